"""Where a `next=` may send a browser: same-site paths only, judged in the form the Location header will carry.

werkzeug strips tabs and newlines and percent-encodes the rest when it builds the header (iri_to_uri), so a
check on the raw string passes `/\t/evil.example`, which goes out as `//evil.example` (issue 15). This module
encodes first, then checks what will be sent, and refuses control characters (a newline made a 500).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from werkzeug.urls import iri_to_uri


def local_path(target: str | None) -> str | None:
    """The same-site path `target` becomes in a Location header, or None when it would leave the site."""
    if not target or any(ord(char) < 0x20 or ord(char) == 0x7F for char in target):
        return None
    sent = iri_to_uri(target)
    parts = urlsplit(sent)
    if parts.scheme or parts.netloc or not sent.startswith("/") or sent.startswith("//"):
        return None
    if "\\" in sent or "%5c" in sent.lower():  # browsers read a backslash as a slash
        return None
    return sent


def local_or(target: str | None, fallback: str) -> str:
    """`target` as it will be sent when it stays on this site, else `fallback`."""
    return local_path(target) or fallback
