"""A phone's side of mDNS, run in the test's client namespace: `resolve ADDRESS TYPE...` browses and resolves the
services and the host name, then fetches the page at each address found (JSON on stdout); `watch ADDRESS TYPE`
prints a line per service event until killed."""

from __future__ import annotations

import json
import sys
import time
import urllib.request

from zeroconf import AddressResolverIPv4, IPVersion, ServiceBrowser, ServiceInfo, ServiceStateChange, Zeroconf

TIMEOUT = 15.0


def resolve(zc: Zeroconf, kinds: list[str]) -> dict:
    found: dict[str, list[str]] = {kind: [] for kind in kinds}

    def changed(zeroconf, service_type, name, state_change):
        if state_change is ServiceStateChange.Added:
            found[service_type].append(name)

    browsers = [ServiceBrowser(zc, kind, handlers=[changed]) for kind in kinds]
    deadline = time.monotonic() + TIMEOUT
    while not all(found.values()) and time.monotonic() < deadline:
        time.sleep(0.1)
    services = []
    for kind, names in found.items():
        for name in names:
            info = ServiceInfo(kind, name)
            if not info.request(zc, 5000):
                continue
            services.append(
                {
                    "type": kind,
                    "name": name,
                    "server": info.server,
                    "port": info.port,
                    "addresses": sorted(info.parsed_addresses()),
                    "txt": {k.decode(): (v or b"").decode() for k, v in info.properties.items()},
                }
            )
    for browser in browsers:
        browser.cancel()
    hosts = {}
    for service in services:
        resolver = AddressResolverIPv4(service["server"])
        hosts[service["server"]] = sorted(resolver.parsed_addresses()) if resolver.request(zc, 5000) else []
    pages = {}
    for service in services:
        for address in service["addresses"]:
            url = f"http://{address}:{service['port']}/"
            with urllib.request.urlopen(url, timeout=10) as reply:
                pages[url] = reply.status
    return {"services": services, "hosts": hosts, "pages": pages}


def watch(zc: Zeroconf, kind: str) -> None:
    def changed(zeroconf, service_type, name, state_change):
        print(f"{state_change.name} {name}", flush=True)

    ServiceBrowser(zc, kind, handlers=[changed])
    while True:
        time.sleep(1)


def main() -> None:
    command, address, *kinds = sys.argv[1:]
    zc = Zeroconf(interfaces=[address], ip_version=IPVersion.V4Only)
    try:
        if command == "resolve":
            print(json.dumps(resolve(zc, kinds)), flush=True)
        else:
            watch(zc, kinds[0])
    finally:
        zc.close()


if __name__ == "__main__":
    main()
