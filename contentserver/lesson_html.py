"""A rendered lesson body made fit for its page: wide tables scroll inside their own box, not the page; videos
and sounds play where the text refers to them."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from markupsafe import escape

_OBJECT = r'/objects/(?P<sha>[0-9a-f]{64})'
# the sanitizer's output (render.py): <a href="…" rel="noopener noreferrer">, <img alt="…" src="…" loading="lazy">
LINK_RE = re.compile(r'<a href="' + _OBJECT + r'"[^>]*>(?P<text>.*?)</a>', re.S)
ALONE_RE = re.compile(
    r'<p>\s*(?:<a href="' + _OBJECT + r'"[^>]*>(?P<text>.*?)</a>'
    r'|<img(?: alt="(?P<alt>[^"]*)")? src="/objects/(?P<sha2>[0-9a-f]{64})"[^>]*>)\s*</p>',
    re.S,
)


def wrap_tables(html: str, label: str) -> str:
    """Each <table> (sanitized output: no attributes) inside a focusable scroll box, so words in cells stay whole
    and a phone scrolls the table, not the page; `label` names the box for screen readers."""
    opening = f'<div class="table-scroll" role="region" tabindex="0" aria-label="{escape(label)}"><table>'
    return html.replace("<table>", opening).replace("</table>", "</table></div>")


def embed_media(html: str, players: Mapping[str, str], anchor: Callable[[str], str]) -> tuple[str, set[str]]:
    """Videos and sounds shown where the text refers to them: a paragraph that is only a link (or an image) to
    one becomes its player, with the link's text as caption; a link inside a sentence leads to the player on the
    page, not to the bare file (no subtitles, no controls). `players` maps sha256 -> the player's HTML.
    Returns the HTML and the sha256s shown in the text (not repeated under "Files")."""
    shown: set[str] = set()

    def alone(match: re.Match) -> str:
        sha, caption = match.group("sha") or match.group("sha2"), match.group("text") or match.group("alt") or ""
        if sha not in players:
            return match.group(0)
        shown.add(sha)
        text = f"<figcaption>{caption}</figcaption>" if caption.strip() else ""
        return f'<figure class="attachment in-text" id="{anchor(sha)}">{players[sha]}{text}</figure>'

    def inline(match: re.Match) -> str:
        sha = match.group("sha")
        return f'<a href="#{anchor(sha)}">{match.group("text")}</a>' if sha in players else match.group(0)

    html = ALONE_RE.sub(alone, html)
    return LINK_RE.sub(inline, html), shown
