"""Markdown to safe HTML, pure and unbounded: Python-Markdown renders, nh3 sanitizes, attachment names become URLs.

Only render_worker.py calls render_markdown on outside text: Python-Markdown is quadratic on some inputs and
recurses on deep nesting, so it runs there, in a worker process with a time budget (docs/performance.md).
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import markdown

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


# Deeper than any lesson needs (a real one nests 3 or 4 levels), far below where Python-Markdown recurses out
# of stack (a list nested 300 deep raised RecursionError).
MAX_DEPTH = 40
TAB_WIDTH = 4  # Python-Markdown's indent per list level
_NESTING = re.compile(r"^([ \t>]*)([-+*]|\d+[.)])?", re.MULTILINE)


def object_url(sha256: str) -> str:
    return f"/objects/{sha256}"


def object_urls(attachments: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The URL mapping of a public lesson page: each (name, sha256) served from /objects/<sha256>."""
    return {name: object_url(sha256) for name, sha256 in attachments}


def nesting_depth(text: str) -> int:
    """How deep lists and quotes nest, counted from each line's indentation and '>' marks in one linear pass."""
    deepest = 0
    for match in _NESTING.finditer(text):
        lead = match.group(1)
        quotes = lead.count(">")
        indent = len(lead.replace(">", "").expandtabs(TAB_WIDTH)) if match.group(2) else 0
        deepest = max(deepest, quotes + indent // TAB_WIDTH)
    return deepest


def _filter_for(urls: Mapping[str, str]):
    """nh3 attribute filter on the parsed HTML: attachment names become their URLs; images load only from the
    box's objects or the given URLs; links never point at another host."""
    image_sources = set(urls.values())

    def attribute_filter(element: str, attribute: str, value: str) -> str | None:
        if attribute not in ("href", "src"):
            return value
        target = value.strip()
        if target.startswith("./"):
            target = target[2:]
        name, hash_mark, fragment = target.partition("#")  # sheet.pdf#page=2 keeps its page
        if name in urls:
            return urls[name] + hash_mark + fragment
        if element == "img" and not (target.startswith("/objects/") or target in image_sources):
            return None
        if "".join(target.split()).replace("\\", "/").startswith("//"):
            return None  # protocol-relative: another host
        return value

    return attribute_filter


def sanitize(html_text: str, urls: Mapping[str, str] | None = None) -> str:
    """Keep only harmless markup: no script, no event handlers, no javascript: or data: URLs."""
    import nh3  # here, not at the top: only render workers render, and the server then never loads it

    return nh3.clean(
        html_text,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        attribute_filter=_filter_for(urls or {}),
        link_rel="noopener noreferrer",
        set_tag_attribute_values={"img": {"loading": "lazy"}},
        strip_comments=True,
    )


_parsers = threading.local()


def _parser() -> markdown.Markdown:
    """This thread's Markdown parser: building one (loading its extensions) cost more than rendering a lesson;
    reset() between documents is Python-Markdown's own way to reuse it (abbreviations do not carry over)."""
    import markdown  # (see sanitize)

    parser = getattr(_parsers, "parser", None)
    if parser is None:
        parser = _parsers.parser = markdown.Markdown(extensions=MARKDOWN_EXTENSIONS, output_format="html")
    return parser.reset()


def render_markdown(text: str, urls: Mapping[str, str] | None = None) -> str:
    """Lesson Markdown as sanitized HTML; `urls` maps attachment names to the URLs this page serves them at."""
    try:
        html_text = _parser().convert(text)
    except BaseException:
        _parsers.parser = None  # stopped half-way (RecursionError): the next body gets a new parser
        raise
    return sanitize(html_text, urls)


def plain_html(text: str) -> str:
    """The text as escaped paragraphs: what a stored body shows when it cannot be rendered, never markup."""
    paragraphs = (part.strip("\n") for part in re.split(r"\n\s*\n", text))
    return "\n".join(
        '<p class="plain-text">' + html.escape(part).replace("\n", "<br>\n") + "</p>" for part in paragraphs if part
    )
