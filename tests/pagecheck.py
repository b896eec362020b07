"""Reading pages as a browser would: elements and attributes, and which URLs lead to another host."""

from __future__ import annotations

import html
from html.parser import HTMLParser


class Elements(HTMLParser):
    """Every start tag with its attributes (entities decoded), and the text inside each <script>."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = True
            self.scripts.append("")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1] += data

    def find(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for t, attrs in self.elements if t == tag]


URL_ATTRIBUTES = {
    "href",
    "src",
    "action",
    "formaction",
    "background",
    "data",
    "xlink:href",
    "poster",
    "srcset",
    "cite",
    "longdesc",
    "usemap",
    "dynsrc",
    "lowsrc",
    "ping",
    "manifest",
    "content",
}


def url_scheme(value: str) -> str:
    """The scheme a browser would use: entities decoded, whitespace and control characters dropped."""
    cleaned = "".join(c for c in html.unescape(value) if c > " " and c != "\x7f").lower()
    return cleaned.split(":", 1)[0] if ":" in cleaned.split("/", 1)[0].split("?", 1)[0] else ""


def points_elsewhere(url: str | None) -> bool:
    """Would a browser leave this host for this URL (another scheme, or //host, or /\\host)?"""
    if url is None:
        return False
    cleaned = "".join(c for c in html.unescape(url) if c > " ").replace("\\", "/")
    return cleaned.startswith("//") or url_scheme(url) not in ("", "mailto")


def external_urls(page: str) -> list[tuple[str, str, str]]:
    """(tag, attribute, url) for every URL in a page that leads to another host."""
    found = []
    for tag, attrs in Elements(page).elements:
        for name, value in attrs.items():
            if name in URL_ATTRIBUTES and name != "content" and points_elsewhere(value):
                found.append((tag, name, value))
            if name == "content" and value and "url=" in value.lower():
                found.append((tag, name, value))
    return found
