"""Content-Disposition for a lesson's file, so a download is saved under the file's own name (RFC 6266, 5987)."""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

# RFC 5987 attr-char: what may stay unescaped in filename*=UTF-8''…
_ATTR_CHARS = "!#$&+-.^_`|~"


def content_disposition(name: str, inline: bool = True) -> str:
    """`inline` (a PDF still opens in the browser) with the name; a non-ASCII name also as filename* in UTF-8,
    after an ASCII fallback for old clients: browsers prefer filename* (RFC 6266 section 4.3)."""
    kind = "inline" if inline else "attachment"
    cleaned = "".join(c for c in name if c >= " " and c != "\x7f")
    fallback = unicodedata.normalize("NFKD", cleaned).encode("ascii", "ignore").decode("ascii")
    fallback = fallback.replace("\\", "_").replace('"', "_")
    if fallback == cleaned:
        return f'{kind}; filename="{fallback}"'
    stem, dot, ending = fallback.rpartition(".")
    if not stem.strip(" ._-"):  # nothing readable left (Cyrillic): keep the ending at least
        fallback = f"file{dot}{ending}" if dot else "file"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(cleaned, safe=_ATTR_CHARS)}"
