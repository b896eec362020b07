"""The words of a ZIM article for the search index: its text without navigation, scripts, styles or references."""

from __future__ import annotations

import html
import re

# Whole elements whose words are not the article's: code, styling, navigation and the reference apparatus
# (Wikipedia's reference lists, navboxes, edit links). Matched without nesting: good enough for their markup,
# and a regex pass costs a fraction of an HTML parser's time (the index of 250,000 articles is built on a Pi).
_DROP_RE = re.compile(
    r"<(script|style|nav|header|footer|noscript|template|svg)\b.*?</\1\s*>"
    r"|<(ol|div|table|ul)\b[^>]*class=\"[^\"]*\b(references|reflist|navbox|mw-references-wrap|catlinks|toc)\b"
    r"[^\"]*\"[^>]*>.*?</\2\s*>"
    r"|<sup\b[^>]*class=\"[^\"]*\breference\b[^>]*>.*?</sup\s*>"
    r"|<!--.*?-->",
    re.IGNORECASE | re.DOTALL,
)
_TAG_RE = re.compile(r"<[^>]*>")
_SPACE_RE = re.compile(r"\s+")
MAX_ARTICLE_CHARS = 60_000  # the index keeps the start of a long article: its lead says what it is about
MAX_HTML_BYTES = 600_000  # bytes of HTML looked at, so a huge page costs bounded time


def article_text(raw: bytes) -> str:
    """Plain text of an HTML page (UTF-8, as ZIM writers store it)."""
    page = raw[:MAX_HTML_BYTES].decode("utf-8", errors="replace")
    body = page.find("<body")
    if body > 0:
        page = page[body:]
    page = _DROP_RE.sub(" ", page)
    text = html.unescape(_TAG_RE.sub(" ", page))
    return _SPACE_RE.sub(" ", text).strip()[:MAX_ARTICLE_CHARS]
