"""The settings table: every setting declared once, as data, and checked at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytz

from .box_address import AddressError, check_address_settings
from .ratelimit import RateCap  # the sync job's parser, so the server refuses what sync would

REPO_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "CONTENTSERVER_"
VIDEO_PULL_CHOICES = ("low", "all")


class SettingsError(Exception):
    """A setting is unknown or has a value of the wrong type; start-up stops with this message."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    type: type
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "DATA_DIR",
        "instance",
        str,
        "Folder holding the database, content objects, search index and keys; nothing is written elsewhere.",
    ),
    Setting(
        "SECRET_KEY",
        "",
        str,
        "Key that signs session cookies. Empty: a random key is generated into the data folder on first start.",
    ),
    Setting("TESTING", False, bool, "Flask testing mode (tests only)."),
    Setting(
        "STARTER_LIBRARY",
        str(REPO_ROOT / "content"),
        str,
        "Library imported by run.py on first start when nothing is installed yet; empty to skip.",
    ),
    Setting("MAX_MANIFEST_BYTES", 64 * 1024 * 1024, int, "Largest manifest.json accepted by import or sync, in bytes."),
    Setting("MAX_LESSONS", 500_000, int, "Most lessons one library manifest may list."),
    Setting("MAX_OBJECT_BYTES", 8 * 1024**3, int, "Largest single content object accepted, in bytes."),
    Setting("PAGE_CACHE_SIZE", 2048, int, "How many rendered pages the server keeps in memory."),
    Setting(
        "PAGE_CACHE_BYTES",
        4 * 1024**2,
        int,
        "Memory the cached pages may take, in bytes (kept gzip-compressed: ~3 KB a lesson page).",
    ),
    Setting(
        "LIBRARY_CHECK_SECONDS",
        2.0,
        float,
        "How often the server checks whether another process (import, sync) changed the library.",
    ),
    Setting("DEFAULT_LOCALE", "kk", str, "UI language when the browser asks for none we have (kk, kk-Latn, ru or en)."),
    Setting("TIMEZONE", "Asia/Almaty", str, "Time zone of dates shown on pages (an IANA name, e.g. Asia/Aqtobe)."),
    Setting(
        "COOKIE_SECURE",
        False,
        bool,
        "Mark the session cookie Secure (sent over HTTPS only); turn on when the server is reached by HTTPS.",
    ),
    Setting("UPLOAD_MAX_VIDEO_BYTES", 200 * 1024**2, int, "Largest video a teacher may upload, in bytes."),
    Setting("UPLOAD_MAX_AUDIO_BYTES", 50 * 1024**2, int, "Largest audio file a teacher may upload, in bytes."),
    Setting("UPLOAD_MAX_PDF_BYTES", 50 * 1024**2, int, "Largest PDF a teacher may upload, in bytes."),
    Setting("UPLOAD_MAX_IMAGE_BYTES", 10 * 1024**2, int, "Largest image a teacher may upload, in bytes."),
    Setting("UPLOAD_MAX_SUBTITLES_BYTES", 1024**2, int, "Largest subtitles (WebVTT) file, in bytes."),
    Setting(
        "DISK_RESERVE_BYTES",
        256 * 1024**2,
        int,
        "Uploads are refused when they would leave less free space than this in the data folder, in bytes.",
    ),
    Setting(
        "VIDEO_JOBS",
        1,
        int,
        "Videos converted for phones at once (each ffmpeg at low priority, one core); more finish sooner but "
        "take cores from browsing.",
    ),
    Setting(
        "VIDEO_MAX_SECONDS",
        4 * 3600.0,
        float,
        "Longest video the server converts for phones, in seconds; a longer one keeps only its original.",
    ),
    Setting(
        "PUSH_VIDEO_ORIGINALS",
        False,
        bool,
        "A push sends videos' originals; off (default): each video goes up as its low copy (360p, ~15 MB for 3 min).",
    ),
    Setting(
        "VIDEO_PULL",
        "low",
        str,
        "Which copies of a video the sync pull (and a USB import) brings: low (default: the low copy and poster the "
        "hub lists, never the original they stand for) or all (the original too).",
    ),
    Setting(
        "VIDEO_MAX_PIXELS",
        8192 * 4320,
        int,
        "Largest picture (width × height) of a video the server reads; bigger is refused as a decompression bomb.",
    ),
    Setting(
        "LOGIN_SLOW_AFTER",
        3,
        int,
        "Failed logins (per account from one address or device, and per address) after which tries wait, doubling.",
    ),
    Setting(
        "LOGIN_LOCK_AFTER",
        10,
        int,
        "Failed logins that lock one address out of one account, or an address out of all; never a teacher's device.",
    ),
    Setting("LOGIN_LOCK_SECONDS", 900, int, "How long a lock lasts; failures older than this are forgotten."),
    Setting(
        "SYNC_CHUNK_BYTES",
        256 * 1024,
        int,
        "Bytes per ranged request when the sync job downloads (at most 262144): what a resume may re-send.",
    ),
    Setting("SYNC_TIMEOUT_SECONDS", 30.0, float, "How long the sync job waits for the hub to answer one request."),
    Setting(
        "SYNC_GIVE_UP_SECONDS",
        600.0,
        float,
        "How long the sync job keeps retrying an unreachable hub (with backoff) before it stops, keeping progress.",
    ),
    Setting("SYNC_BACKOFF_MAX_SECONDS", 30.0, float, "Longest wait between two retries of the sync job."),
    Setting(
        "SYNC_CAP_KBIT",
        0,
        int,
        "Most the sync job may use of the link, in kbit/s on the wire; 0: no cap (it yields to other traffic).",
    ),
    Setting(
        "SYNC_FULL_SPEED_HOURS",
        "",
        str,
        "Local times when SYNC_CAP_KBIT does not apply, e.g. `18:00-07:00, 12:30-13:30`; empty: capped all day.",
    ),
    Setting(
        "SYNC_DELAY_TARGET_MS",
        100,
        int,
        "Queueing delay the sync job may add on the link, in ms: above it sync slows down, below it speeds up.",
    ),
    Setting(
        "SYNC_MIN_KBIT", 8, int, "Slowest the sync job goes while it yields to the school's own traffic, in kbit/s."
    ),
    Setting("SYNC_INTERVAL_SECONDS", 3600.0, float, "How often `sync run` (the sync service) pulls from the hub."),
    Setting(
        "SYNC_RETRY_SECONDS",
        60.0,
        float,
        "After a failed pull the service retries this soon, doubling the wait per failure up to the interval.",
    ),
    Setting(
        "USAGE_COUNTS",
        True,
        bool,
        "Count student page views and searches per day for /admin/ and the hub (aggregate only: no address or "
        "device), and time requests for the health figures; off: neither.",
    ),
    Setting(
        "SYNC_MONTHLY_CAP_BYTES",
        0,
        int,
        "Bytes the school's plan allows per month: /admin/ shows what sync used this month against it and warns "
        "near it; 0: no cap shown.",
    ),
    Setting("SCHOOL_ID_GOVT", "", str, "The government's id of this school, put in the connectivity report."),
    Setting("SCHOOL_ID_GIGA", "", str, "Giga's id of this school (school_id_giga), put in the connectivity report."),
    # Finding the box (docs/finding-the-box.md): the poster, mDNS and the home page's address.
    Setting("SCHOOL_NAME", "", str, "The school's name, printed at the top of the poster (`contentserver poster`)."),
    Setting(
        "PUBLIC_PORT",
        0,
        int,
        "The port students' browsers reach the box on, printed on the poster and announced by mDNS: 80 behind "
        "deploy/nginx.conf; 0: the port run.py serves on (its --port, 8080 by default).",
    ),
    Setting("MDNS_NAME", "school.local", str, "The box's name on the LAN (mDNS), ending in .local."),
    Setting(
        "MDNS_ANNOUNCE",
        True,
        bool,
        "run.py announces MDNS_NAME and the _http._tcp and _contentserver._tcp services by mDNS itself; turn off "
        "where Avahi owns mDNS (Raspberry Pi OS) and install deploy/avahi/contentserver.service instead.",
    ),
    Setting(
        "MDNS_CHECK_SECONDS",
        30.0,
        float,
        "How often run.py looks at the network's addresses, announcing the box again when they changed.",
    ),
    Setting("WIFI_SSID", "", str, "The school Wi-Fi's name: the poster gets a code that joins it. Empty: no code."),
    Setting("WIFI_PASSWORD", "", str, "The school Wi-Fi's password, printed on the poster inside its join code."),
    Setting("WIFI_SECURITY", "WPA", str, "The school Wi-Fi's security: WPA (WPA2, WPA3 personal too), WEP or nopass."),
    Setting(
        "USB_PART_BYTES",
        2 * 1024**3,
        int,
        "Objects bigger than this are split into parts of this size on a USB stick (FAT32 holds at most 4 GiB).",
    ),
    Setting(
        "GC_GRACE_SECONDS",
        7 * 24 * 3600.0,
        float,
        "Staging leftovers and unreferenced objects older than this are deleted by `contentserver gc`.",
    ),
    Setting(
        "SEARCH_MAX_CONCURRENT",
        1,
        int,
        "Searches that may run at once; more get a \"busy, try again\" page while browsing stays fast.",
    ),
    Setting(
        "SEARCH_MAX_WAITING",
        16,
        int,
        "Searches that may wait for a slot; more get the \"busy\" page. Keep it below run.py's --threads.",
    ),
    Setting("SEARCH_QUEUE_SECONDS", 1.0, float, "How long a search waits for a free slot before it is turned away."),
    Setting(
        "SEARCH_TIME_BUDGET_SECONDS",
        1.0,
        float,
        "Longest time one search may rank documents; it then answers with what it found so far.",
    ),
    Setting("SEARCH_MAX_QUERY_CHARS", 200, int, "Longer search queries are cut to this many characters."),
    Setting(
        "SEARCH_BUILD_MEMORY_MB",
        64.0,
        float,
        "Postings an index build or a big import holds in memory before writing them as a segment.",
    ),
    Setting(
        "TRUSTED_PROXY_COUNT",
        0,
        int,
        "Reverse proxies in front of the server (1 behind the nginx of deploy/): their X-Forwarded-For/-Proto/"
        "-Host give the client's address (login throttling keys on it). 0 trusts none of those headers.",
    ),
    Setting(
        "HUB_MODE",
        False,
        bool,
        "Run as a hub: accept signed pushes from registered schools at /hub/push/ (docs/push.md) and show "
        "their lessons for review at /admin/review.",
    ),
    Setting("PUSH_MAX_OBJECT_BYTES", 200 * 1024**2, int, "Largest object a school may push to this hub, in bytes."),
    Setting("PUSH_MAX_LESSONS", 1000, int, "Most lessons one push commit may carry."),
    Setting(
        "OBJECTS_ACCEL_PREFIX",
        "",
        str,
        "Behind nginx: the internal location that serves the data folder's objects/ (deploy/nginx.conf: "
        "/_objects/); the app checks an object is visible and nginx sends the file (X-Accel-Redirect). "
        "Empty: the app sends object files itself.",
    ),
)

SETTINGS_BY_NAME = {s.name: s for s in SETTINGS}
POSITIVE = (
    "MAX_MANIFEST_BYTES",
    "MAX_LESSONS",
    "MAX_OBJECT_BYTES",
    "PAGE_CACHE_SIZE",
    "PAGE_CACHE_BYTES",
    "UPLOAD_MAX_VIDEO_BYTES",
    "UPLOAD_MAX_AUDIO_BYTES",
    "UPLOAD_MAX_PDF_BYTES",
    "UPLOAD_MAX_IMAGE_BYTES",
    "UPLOAD_MAX_SUBTITLES_BYTES",
    "LOGIN_SLOW_AFTER",
    "LOGIN_LOCK_AFTER",
    "LOGIN_LOCK_SECONDS",
    "USB_PART_BYTES",
    "PUSH_MAX_OBJECT_BYTES",
    "PUSH_MAX_LESSONS",
    "SYNC_DELAY_TARGET_MS",
    "SYNC_MIN_KBIT",
    "SYNC_INTERVAL_SECONDS",
    "SYNC_RETRY_SECONDS",
    "SEARCH_MAX_CONCURRENT",
    "SEARCH_MAX_WAITING",
    "SEARCH_TIME_BUDGET_SECONDS",
    "SEARCH_MAX_QUERY_CHARS",
    "VIDEO_JOBS",
    "VIDEO_MAX_SECONDS",
    "VIDEO_MAX_PIXELS",
)  # settings that must be above zero


def _coerce(setting: Setting, value: Any, origin: str) -> Any:
    """Turn a value from the environment or a config mapping into the setting's type."""
    if isinstance(value, str) and setting.type is not str:
        text = value.strip().lower()
        try:
            if setting.type is bool:
                if text in ("1", "true", "yes", "on"):
                    return True
                if text in ("0", "false", "no", "off", ""):
                    return False
                raise ValueError(value)
            return setting.type(text)
        except ValueError:
            raise SettingsError(
                f"setting {setting.name} from {origin}: {value!r} is not a valid {setting.type.__name__}"
            ) from None
    if setting.type is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, setting.type) or (setting.type is int and isinstance(value, bool)):
        raise SettingsError(
            f"setting {setting.name} from {origin}: expected {setting.type.__name__}, got {type(value).__name__}"
        )
    return value


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Defaults, then CONTENTSERVER_* environment variables, then explicit overrides; all validated."""
    environ = os.environ if environ is None else environ
    values = {s.name: s.default for s in SETTINGS}
    for key, raw in environ.items():
        if not key.startswith(ENV_PREFIX):
            continue
        name = key[len(ENV_PREFIX) :]
        if name not in SETTINGS_BY_NAME:
            raise SettingsError(f"unknown setting {key} in the environment; known: {', '.join(SETTINGS_BY_NAME)}")
        values[name] = _coerce(SETTINGS_BY_NAME[name], raw, "the environment")
    for name, value in (overrides or {}).items():
        if name not in SETTINGS_BY_NAME:
            raise SettingsError(f"unknown setting {name}; known: {', '.join(SETTINGS_BY_NAME)}")
        values[name] = _coerce(SETTINGS_BY_NAME[name], value, "the configuration")
    if values["DEFAULT_LOCALE"] not in ("kk", "kk-Latn", "ru", "en"):
        raise SettingsError(f"setting DEFAULT_LOCALE: {values['DEFAULT_LOCALE']!r} is not one of kk, ru, en, kk-Latn")
    if values["VIDEO_PULL"] not in VIDEO_PULL_CHOICES:
        raise SettingsError(
            f"setting VIDEO_PULL: {values['VIDEO_PULL']!r} is not one of {', '.join(VIDEO_PULL_CHOICES)}"
        )
    if values["TIMEZONE"] not in pytz.all_timezones_set:
        raise SettingsError(f"setting TIMEZONE: {values['TIMEZONE']!r} is not a time zone name such as Asia/Almaty")
    for name in POSITIVE:
        if values[name] <= 0:
            raise SettingsError(f"setting {name} must be positive, got {values[name]}")
    try:
        RateCap.from_settings(values)
    except ValueError as exc:
        raise SettingsError(f"setting {exc}") from None
    try:
        check_address_settings(values)
    except AddressError as exc:
        raise SettingsError(f"setting {exc}") from None
    if not 4096 <= values["SYNC_CHUNK_BYTES"] <= 256 * 1024:
        raise SettingsError(f"setting SYNC_CHUNK_BYTES must be from 4096 to 262144, got {values['SYNC_CHUNK_BYTES']}")
    return values
