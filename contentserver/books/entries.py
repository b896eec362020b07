"""One entry of a ZIM as an HTTP answer's parts: a redirect, or content with its MIME type and validator."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote

from ..errors import NotFound

if TYPE_CHECKING:  # only the type: libzim is loaded where an archive is opened
    from libzim.reader import Archive

# ZIM HTML is third-party and may carry script: it runs sandboxed in an opaque origin (no allow-same-origin), so it
# cannot read the school's cookies, storage or pages, and its requests are cross-site (SameSite cookies stay home).
# Forms are not allowed at all; nothing loads from outside the box. docs/books.md "Security".
ENTRY_CSP = (
    "sandbox allow-scripts; default-src 'self' 'unsafe-inline' 'unsafe-eval' data: blob:; "
    "form-action 'none'; base-uri 'none'; frame-ancestors 'self'"
)
BODY_RE = re.compile(rb"<body\b[^>]*>", re.IGNORECASE)
# What libzim raises for a damaged entry (library/zimfile.py's DAMAGE; not imported, so serving needs no libzim here)
DAMAGE = (RuntimeError, UnicodeError)
HEAD_SCAN = 64 * 1024  # the <body> tag is near the top; a huge page is not searched to its end for one


@dataclass(frozen=True)
class Redirect:
    path: str


@dataclass(frozen=True)
class Content:
    mimetype: str
    data: memoryview | bytes
    etag: str

    @property
    def is_html(self) -> bool:
        return self.mimetype.split(";")[0].strip().lower() in ("text/html", "application/xhtml+xml")


def entry_url(book_id: str, path: str) -> str:
    """The stable URL of an entry: every byte that is not a plain path character percent-encoded (#, ?, &, spaces…)."""
    return f"/books/{book_id}/{quote(path, safe='/')}"


def read_entry(archive: Archive, zim_sha256: str, path: str) -> Redirect | Content:
    """The entry at `path`, or NotFound; no path can reach anything but the ZIM's own entries."""
    try:
        entry = archive.get_entry_by_path(path)
        if entry.is_redirect:
            return Redirect(entry.get_redirect_entry().path)
        item = entry.get_item()
        mimetype, data = item.mimetype, item.content
    except KeyError:
        raise NotFound() from None
    except DAMAGE:  # a damaged entry of a book that opened: that page is missing, the rest of the book serves
        raise NotFound() from None
    tag = hashlib.sha1(f"{zim_sha256}/{path}".encode(), usedforsecurity=False).hexdigest()[:24]
    return Content(mimetype, data, tag)


def with_header(html: bytes, header: bytes) -> bytes:
    """The page with our small bar inserted right after <body> (or first, for a page without one)."""
    match = BODY_RE.search(html, 0, HEAD_SCAN)
    at = match.end() if match else 0
    return html[:at] + header + html[at:]
