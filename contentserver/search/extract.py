"""Plain text for the index from lesson Markdown, PDF attachments (pypdf) and WebVTT subtitles."""

from __future__ import annotations

import io
import logging
import re

log = logging.getLogger(__name__)
MAX_PDF_PAGES = 60
MAX_EXTRA_CHARS = 200_000

# Each scan stops at the next opening character, and line starts match only spaces and tabs: with `[^\]]*`,
# `<[^>]*>` and `^\s*`, a body of unclosed `[`, `<` or blank lines was quadratic (80 KB of " \n" took 64 s).
_IMAGE_RE = re.compile(r"!\[([^\[\]]*)\]\([^()]*\)")
_LINK_RE = re.compile(r"\[([^\[\]]*)\]\([^()]*\)")
_TAG_RE = re.compile(r"<[^<>]*>")
_MARKUP_RE = re.compile(r"[#*_`|>~]+|^[ \t]*[-+][ \t]+|^[ \t]*\d+\.[ \t]+|-{3,}|:?-{2,}:?", re.MULTILINE)
_VTT_TIMING_RE = re.compile(r"^\s*(\d{2}:)?\d{2}:\d{2}\.\d{3}\s+-->")


def markdown_text(markdown: str) -> str:
    """The words of a lesson's Markdown without its markup, links, images' addresses or raw HTML tags."""
    text = _IMAGE_RE.sub(r"\1", markdown)
    text = _LINK_RE.sub(r"\1", text)
    text = _TAG_RE.sub(" ", text)
    text = _MARKUP_RE.sub(" ", text)
    return re.sub(r"[ \t]+", " ", text).strip()


def title_free(markdown_plain: str, title: str) -> str:
    """The body text without its leading title line (the title is indexed on its own)."""
    stripped = markdown_plain.lstrip()
    return stripped[len(title) :].lstrip() if stripped.startswith(title) else stripped


def pdf_text(data: bytes) -> str:
    """The text of a PDF's first pages; a broken or encrypted PDF gives no text rather than an error."""
    from pypdf import PdfReader  # only indexing a PDF needs it: searching never does (7 MiB less per process)
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            return ""
        parts, size = [], 0
        for page in reader.pages[:MAX_PDF_PAGES]:
            text = page.extract_text() or ""
            parts.append(text)
            size += len(text)
            if size > MAX_EXTRA_CHARS:
                break
        return "\n".join(parts)[:MAX_EXTRA_CHARS]
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, RecursionError) as exc:
        log.warning("no text from a PDF: %s", exc)
        return ""


def vtt_text(data: bytes) -> str:
    """The spoken words of a WebVTT file: no header, cue ids, timings, notes or voice tags."""
    text = data.decode("utf-8", errors="replace")
    lines: list[str] = []
    for block in re.split(r"\r?\n\r?\n", text):
        rows = block.strip().splitlines()
        if not rows or rows[0].startswith(("WEBVTT", "NOTE", "STYLE", "REGION")):
            continue
        timing = next((i for i, row in enumerate(rows) if _VTT_TIMING_RE.match(row)), None)
        if timing is not None:
            lines.extend(_TAG_RE.sub("", row) for row in rows[timing + 1 :])
    return "\n".join(lines)[:MAX_EXTRA_CHARS]
