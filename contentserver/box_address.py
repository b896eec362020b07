"""How a phone reaches the box: its LAN addresses, its mDNS name, its URLs and the school Wi-Fi's join code.

The poster, the mDNS announcer and the home page all print or announce these, so they are worked out once, here,
and the settings they come from are checked at start-up (a poster with a code that cannot join is worse than none).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

DEFAULT_PORT = 8080  # run.py's --port and the systemd unit's
SECURITIES = ("WPA", "WEP", "nopass")
# Bridges to containers and VMs on the box itself (Docker, libvirt, LXC): no phone is on them.
VIRTUAL_INTERFACES = ("docker", "br-", "veth", "virbr", "lxcbr", "lxdbr")
MDNS_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.IGNORECASE)
HEX = re.compile(r"[0-9a-fA-F]+")
WIFI_SPECIAL = {ord(c): "\\" + c for c in '\\;,:"'}  # escaped in WIFI: fields (ZXing's MECARD-like format)


class AddressError(ValueError):
    """A Wi-Fi, mDNS or port setting that would print or announce something no phone can use."""


@dataclass(frozen=True)
class Wifi:
    ssid: str
    password: str
    security: str  # one of SECURITIES


def _printable(text: str) -> bool:
    return all(0x20 <= ord(c) != 0x7F for c in text)


def check_wifi(ssid: str, password: str, security: str) -> Wifi | None:
    """The school Wi-Fi from its three settings, None when no SSID is set; AddressError when a phone could not
    join with it (lengths are those of IEEE 802.11: WPA 8-63 characters or 64 hex digits; WEP 5/13 or 10/26)."""
    if not ssid:
        if password:
            raise AddressError("WIFI_PASSWORD is set but WIFI_SSID is empty: name the network too")
        return None
    if not 1 <= len(ssid.encode("utf-8")) <= 32 or not _printable(ssid):
        raise AddressError(f"WIFI_SSID: {ssid!r} is not a network name (1 to 32 bytes, no control characters)")
    if security not in SECURITIES:
        raise AddressError(f"WIFI_SECURITY: {security!r} is not one of {', '.join(SECURITIES)}")
    if security == "nopass":
        if password:
            raise AddressError("WIFI_PASSWORD is set but WIFI_SECURITY is nopass (an open network has none)")
    elif security == "WPA":
        ascii_ok = 8 <= len(password) <= 63 and password.isascii() and _printable(password)
        if not (ascii_ok or (len(password) == 64 and HEX.fullmatch(password))):
            raise AddressError("WIFI_PASSWORD: a WPA password is 8 to 63 ASCII characters (or 64 hex digits)")
    else:
        ascii_ok = len(password) in (5, 13) and password.isascii() and _printable(password)
        if not (ascii_ok or (len(password) in (10, 26) and HEX.fullmatch(password))):
            raise AddressError("WIFI_PASSWORD: a WEP key is 5 or 13 ASCII characters (or 10 or 26 hex digits)")
    return Wifi(ssid, password, security)


def wifi_payload(wifi: Wifi) -> str:
    """The text of a QR code that joins the network (`WIFI:T:WPA;S:name;P:secret;;`), with \\ ; , : " escaped;
    the form phones' cameras read (Android 10+, iOS 11+)."""
    fields = f"T:{wifi.security};S:{wifi.ssid.translate(WIFI_SPECIAL)};"
    if wifi.security != "nopass":
        fields += f"P:{wifi.password.translate(WIFI_SPECIAL)};"
    return f"WIFI:{fields};"


def check_mdns_name(name: str) -> str:
    """The box's mDNS host name (one label then `.local`: what Avahi and phones resolve)."""
    label, dot, domain = name.rpartition(".")
    if not dot or domain.lower() != "local" or not MDNS_LABEL.fullmatch(label):
        raise AddressError(f"MDNS_NAME: {name!r} is not a name like school.local (letters, digits, -, then .local)")
    return name


def check_address_settings(values: Mapping[str, Any]) -> None:
    """Start-up check of every setting this module reads (settings.py calls it)."""
    check_wifi(values["WIFI_SSID"], values["WIFI_PASSWORD"], values["WIFI_SECURITY"])
    check_mdns_name(values["MDNS_NAME"])
    if values["MDNS_CHECK_SECONDS"] <= 0:
        raise AddressError(f"MDNS_CHECK_SECONDS must be positive, got {values['MDNS_CHECK_SECONDS']}")
    if not 0 <= values["PUBLIC_PORT"] <= 65535:
        raise AddressError(f"PUBLIC_PORT must be from 0 to 65535, got {values['PUBLIC_PORT']}")


def public_port(config: Mapping[str, Any], served_port: int = DEFAULT_PORT) -> int:
    """The port phones use: PUBLIC_PORT, else the one run.py serves on."""
    return config["PUBLIC_PORT"] or served_port


def lan_addresses(listen_host: str = "0.0.0.0") -> list[str]:
    """The IPv4 addresses phones on the LAN can reach the box at: every interface's, loopback, link-local and
    container bridges left out, or only `listen_host` when the server listens on one LAN address. Loopback
    listening means a proxy in front (deploy/nginx.conf), which listens on every interface."""
    import ifaddr  # zeroconf's own dependency; read only when an address is wanted

    try:
        chosen = ipaddress.IPv4Address(listen_host)
    except ValueError:
        chosen = None  # "", "::", a name: every interface
    if chosen is not None and not chosen.is_unspecified and not chosen.is_loopback:
        return [str(chosen)]
    found: list[str] = []
    for adapter in ifaddr.get_adapters():
        if adapter.nice_name.startswith(VIRTUAL_INTERFACES):
            continue
        for ip in adapter.ips:
            if not isinstance(ip.ip, str):
                continue  # IPv6: phones on a school's Wi-Fi have IPv4, and a v6 URL is no one's to type
            address = ipaddress.IPv4Address(ip.ip)
            if not (address.is_loopback or address.is_link_local) and str(address) not in found:
                found.append(str(address))
    return found


def url(host: str, port: int) -> str:
    """The address a phone opens: no port when it is HTTP's own."""
    return f"http://{host}/" if port == 80 else f"http://{host}:{port}/"


def box_urls(addresses: Iterable[str], port: int, mdns_name: str | None) -> list[str]:
    """The box's URLs: each LAN address (works on every phone), then its mDNS name (shorter; not every phone
    resolves .local names)."""
    urls = [url(address, port) for address in addresses]
    return urls + ([url(mdns_name, port)] if mdns_name else [])


HOST_HEADER = re.compile(r"(?P<name>[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::(?P<port>[0-9]{1,5}))?")


def split_host(host_header: str) -> tuple[str, int | None] | None:
    """A Host header's name and port (None: the scheme's own), or None when it is no address."""
    found = HOST_HEADER.fullmatch(host_header or "")
    if found is None:
        return None
    port = int(found["port"]) if found["port"] is not None else None
    if port is not None and not 0 < port < 65536:
        return None
    return found["name"], port


def share_address(host_header: str, mdns_name: str | None) -> str | None:
    """The short address a student passes on (`192.168.1.10:8080`, `school.local`): the one their browser used,
    or, when that was the box itself (localhost), its mDNS name; None for a Host header that is no address."""
    split = split_host(host_header)
    if split is None:
        return None
    name, port = split
    try:
        loopback = ipaddress.ip_address(name.strip("[]")).is_loopback
    except ValueError:
        loopback = name.lower() == "localhost" or name.lower().endswith(".localhost")
    if loopback:
        if mdns_name is None:
            return None
        name = mdns_name
    return name if port in (None, 80) else f"{name}:{port}"
