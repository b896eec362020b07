"""Markdown to safe HTML: Python-Markdown renders, nh3 sanitizes, attachment names become object URLs."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import markdown
import nh3

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
    "mark",
    "figure",
    "figcaption",
    "caption",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "ol": {"start"},
    "code": {"class"},
    "abbr": {"title"},
}
URL_SCHEMES = {"mailto"}  # no http(s): a page never points at another host (relative URLs stay allowed)
MARKDOWN_EXTENSIONS = ("tables", "fenced_code", "sane_lists", "def_list", "abbr")


def object_url(sha256: str) -> str:
    return f"/objects/{sha256}"


def _filter_for(attachments: Mapping[str, str]):
    """nh3 attribute filter: attachment names become object URLs; images never load from outside the box."""

    def attribute_filter(element: str, attribute: str, value: str) -> str | None:
        if attribute not in ("href", "src"):
            return value
        target = value.strip()
        if target.startswith("./"):
            target = target[2:]
        name, hash_mark, fragment = target.partition("#")  # sheet.pdf#page=2 keeps its page
        if name in attachments:
            return object_url(attachments[name]) + hash_mark + fragment
        if element == "img" and not target.startswith("/objects/"):
            return None
        if "".join(target.split()).replace("\\", "/").startswith("//"):
            return None  # protocol-relative: another host
        return value

    return attribute_filter


def sanitize(html: str, attachments: Mapping[str, str] | None = None) -> str:
    """Keep only harmless markup: no script, no event handlers, no javascript: or data: URLs."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_filter_for(attachments or {}),
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"img": {"loading": "lazy"}},
        strip_comments=True,
    )


# Small: lesson pages are kept by the page cache (gzip-compressed), so this only spares re-rendering the same
# text for another UI language or a teacher's preview; 512 entries held ~11 KB each (Markdown key and HTML).
@lru_cache(maxsize=32)
def _render_cached(text: str, attachments: tuple[tuple[str, str], ...]) -> str:
    html = markdown.markdown(text, extensions=MARKDOWN_EXTENSIONS, output_format="html")
    return sanitize(html, dict(attachments))


def render_markdown(text: str, attachments: Mapping[str, str] | None = None) -> str:
    """Render lesson Markdown to sanitized HTML; `attachments` maps file names to their sha256."""
    return _render_cached(text, tuple(sorted((attachments or {}).items())))
