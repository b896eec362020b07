"""What the printable poster says: the school's name, a code per address of the box, the Wi-Fi's join code, and
three short steps in Kazakh, Russian and English, so a student finds the library without typing an IP address."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from .box_address import box_urls, check_wifi, wifi_payload
from .errors import AppError
from .i18n import LANGUAGE_NAMES
from .qr import Code, make_code

POSTER_LANGS = ("kk", "ru", "en")  # the poster's three languages, in this order
MAX_ADDRESSES = 4  # more codes would not fit A4 at a size a phone reads from a metre away


class NoAddress(AppError):
    """Nothing to print: the box has no LAN address and mDNS is off."""

    status = 503


@dataclass(frozen=True)
class PosterCode:
    caption: str  # printed under the code: the URL itself, or the network's name
    code: Code
    wifi: bool = False


@dataclass(frozen=True)
class Steps:
    lang: str
    heading: str  # the language's own name
    lines: tuple[str, ...]


@dataclass(frozen=True)
class PosterContent:
    school: str
    titles: tuple[str, ...]  # "School library" in each language
    codes: tuple[PosterCode, ...]
    steps: tuple[Steps, ...]


def _steps(ssid: str | None) -> tuple[str, ...]:
    """The steps in the current locale (called under force_locale for each language)."""
    if ssid:
        join = _(
            "Join the school Wi-Fi: scan the Wi-Fi code with your phone's camera, or choose the network %(ssid)s.",
            ssid=ssid,
        )
    else:
        join = _("Join the school Wi-Fi.")
    return (
        join,
        _("Open the library: scan an address code, or type its address into your browser."),
        _("If one address does not open, try the next. No internet is needed."),
    )


def poster_content(config: Mapping[str, Any], addresses: Sequence[str], port: int) -> PosterContent:
    """The poster for these settings and LAN addresses (in an app context: the texts come from the catalogs)."""
    mdns = config["MDNS_NAME"] if config["MDNS_ANNOUNCE"] else None
    urls = box_urls(addresses[:MAX_ADDRESSES], port, mdns)
    if not urls:
        raise NoAddress(_("The server has no address on the school network: connect it, then print the poster."))
    wifi = check_wifi(config["WIFI_SSID"], config["WIFI_PASSWORD"], config["WIFI_SECURITY"])
    codes = [PosterCode(f"Wi-Fi: {wifi.ssid}", make_code(wifi_payload(wifi)), wifi=True)] if wifi else []
    codes += [PosterCode(url, make_code(url)) for url in urls]
    titles, steps = [], []
    for lang in POSTER_LANGS:
        with force_locale(lang):
            titles.append(_("School library"))
            steps.append(Steps(lang, LANGUAGE_NAMES[lang], _steps(wifi.ssid if wifi else None)))
    return PosterContent(config["SCHOOL_NAME"].strip(), tuple(titles), tuple(codes), tuple(steps))
