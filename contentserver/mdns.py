"""The box announces itself by mDNS/DNS-SD while run.py serves (python-zeroconf): its name (school.local), a web
page (`_http._tcp`) and a `_contentserver._tcp` service whose TXT says the version, languages and school id, so
a phone opens http://school.local/ and a teacher's app or another box finds it without an address typed.

Addresses change under a running box (Wi-Fi coming up after the server, a new DHCP lease), so they are looked at
every MDNS_CHECK_SECONDS; on a change the old announcement is withdrawn (goodbye packets) and a new one made on
the interfaces the box now has. Where Avahi owns mDNS (Raspberry Pi OS), MDNS_ANNOUNCE is off and
deploy/avahi/contentserver.service announces the same services (docs/finding-the-box.md).
"""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from .box_address import lan_addresses, public_port
from .i18n import UI_LOCALES

SERVICE_TYPES = ("_http._tcp.local.", "_contentserver._tcp.local.")
AVAHI_PID = Path("/run/avahi-daemon/pid")  # where avahi-daemon runs (Raspberry Pi OS, Debian desktops)
INSTANCE_BYTES = 63  # the longest DNS label, which an instance name is


@dataclass(frozen=True)
class Announcement:
    """What the box says about itself, whatever its addresses."""

    host: str  # school.local
    instance: str  # the services' name, as a phone's list of services shows it
    port: int
    txt: Mapping[str, str] = field(default_factory=dict)


def _label(text: str) -> str:
    """`text` cut to one DNS label (63 bytes of UTF-8), never in the middle of a letter."""
    return text.encode("utf-8")[:INSTANCE_BYTES].decode("utf-8", "ignore").strip() or "contentserver"


def announcement(config: Mapping[str, Any], served_port: int) -> Announcement:
    """The services on PUBLIC_PORT, else the port run.py serves on."""
    try:
        version = metadata.version("contentserver")
    except metadata.PackageNotFoundError:  # run from a checkout without installing it
        version = "unknown"
    txt = {
        "path": "/",  # DNS-SD's key for an _http._tcp page (RFC 6763 and Apple's list of TXT keys)
        "version": version,
        "languages": ",".join(UI_LOCALES),
        "school_id": config["SCHOOL_ID_GOVT"] or config["SCHOOL_ID_GIGA"],
    }
    host = config["MDNS_NAME"]
    instance = _label(config["SCHOOL_NAME"] or host.rpartition(".")[0])
    return Announcement(host, instance, public_port(config, served_port), txt)


def service_infos(said: Announcement, addresses: list[str]) -> list:
    """The zeroconf records of each service type on these addresses."""
    from zeroconf import ServiceInfo

    packed = [ipaddress.IPv4Address(address).packed for address in addresses]
    return [
        ServiceInfo(
            kind,
            f"{said.instance}.{kind}",
            port=said.port,
            properties=dict(said.txt),
            server=f"{said.host}.",
            addresses=packed,
        )
        for kind in SERVICE_TYPES
    ]


class Announcer:
    """A thread that keeps the announcement on the box's current addresses until stop()."""

    def __init__(
        self,
        said: Announcement,
        listen_host: str,
        check_seconds: float,
        report: Callable[[str], None] = print,
    ):
        self.said, self.listen_host, self.check_seconds, self.report = said, listen_host, check_seconds, report
        self.addresses: list[str] = []
        self._zeroconf: Any = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mdns", daemon=True)

    def start(self) -> Announcer:
        self._thread.start()
        return self

    def stop(self, timeout: float = 10) -> None:
        """Withdraw the announcement (goodbye packets, so browsers drop the box at once) and end the thread."""
        self._stopping.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        try:
            while not self._stopping.is_set():
                self.check()
                self._stopping.wait(self.check_seconds)
        finally:
            self._withdraw()

    def check(self) -> None:
        """Announce again when the addresses changed; an error is reported and tried again at the next check."""
        addresses = lan_addresses(self.listen_host)
        if addresses == self.addresses and (self._zeroconf is not None or not addresses):
            return
        self._withdraw()
        self.addresses = addresses
        if not addresses:
            self.report("mDNS: no LAN address yet; the box will be announced when it has one")
            return
        try:
            self._announce(addresses)
        except Exception as exc:  # an interface gone between the look and the bind, a socket refused
            self._withdraw()
            self.addresses = []
            self.report(f"mDNS: announcing failed ({exc}); trying again in {self.check_seconds:g} s")

    def _announce(self, addresses: list[str]) -> None:
        from zeroconf import IPVersion, Zeroconf

        self._zeroconf = Zeroconf(interfaces=addresses, ip_version=IPVersion.V4Only)
        for info in service_infos(self.said, addresses):
            # another box on the LAN with the same instance name: ours becomes "name (2)"
            self._zeroconf.register_service(info, allow_name_change=True)
        self.report(f"mDNS: announcing {self.said.host} port {self.said.port} on {', '.join(addresses)}")

    def _withdraw(self) -> None:
        zc, self._zeroconf = self._zeroconf, None
        if zc is None:
            return
        try:
            zc.unregister_all_services()
        finally:
            zc.close()


def start_announcing(
    config: Mapping[str, Any],
    listen_host: str,
    served_port: int,
    report: Callable[[str], None] = print,
    avahi_pid: Path = AVAHI_PID,
) -> Announcer | None:
    """run.py's announcer, or None: MDNS_ANNOUNCE off; Avahi running (two responders on one host answer each
    other's probes and clash over port 5353); or waitress alone on loopback (nothing on the LAN reaches it
    unless a proxy in front publishes it, which PUBLIC_PORT says)."""
    if not config["MDNS_ANNOUNCE"]:
        return None
    if avahi_pid.exists():
        report("mDNS: Avahi runs here, so it announces the box: install deploy/avahi/contentserver.service")
        return None
    try:
        loopback = ipaddress.ip_address(listen_host).is_loopback
    except ValueError:
        loopback = listen_host == "localhost"
    if loopback and not config["PUBLIC_PORT"]:
        report("mDNS: not announced: serving on loopback only (behind a proxy, set PUBLIC_PORT)")
        return None
    said = announcement(config, served_port)
    return Announcer(said, listen_host, config["MDNS_CHECK_SECONDS"], report).start()
