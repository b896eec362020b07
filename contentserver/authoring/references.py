"""A lesson's Markdown refers to its files by the names teachers gave them: resolve, check and export those."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from typing import Protocol
from urllib.parse import quote, unquote

from ..library.markdown_html import object_urls

# Inline links and images: [text](target) and ![alt](target), target possibly in <…> (it may hold spaces).
LINK_RE = re.compile(r"(!?\[[^\]\n]*\]\(\s*)(<[^>\n]+>|[^)\n]+?)(\s+\"[^\"\n]*\")?(\s*\))")
SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
MAX_LABEL = 120


class Named(Protocol):
    name: str
    sha256: str
    label: str | None


def upload_label(raw: str, safe_name: str) -> str:
    """The uploaded file's own name, as the teacher typed it in Markdown: no folders, no control characters,
    NFC, at most MAX_LABEL characters, ending as its safe name does (the type found from its bytes)."""
    base = re.split(r"[/\\]", raw.split("\x00")[0])[-1]
    base = " ".join("".join(c for c in unicodedata.normalize("NFC", base) if c.isprintable()).split())
    ending = "." + safe_name.rpartition(".")[2]
    if not base.lower().endswith(ending.lower()):
        base = base.rpartition(".")[0] + ending if "." in base else base + ending
    stem = base[: -len(ending)][: MAX_LABEL - len(ending)].strip()
    return stem + base[-len(ending) :] if stem else safe_name  # the ending as typed: .PNG stays .PNG


def _target(raw: str) -> str:
    """A link target as a file name: <…> unwrapped, ./ and #fragment dropped, %-escapes decoded."""
    target = raw.strip()
    if target.startswith("<") and target.endswith(">"):
        target = target[1:-1].strip()
    if target.startswith("./"):
        target = target[2:]
    return unquote(target.partition("#")[0])


def references(attachments: Iterable[Named]) -> dict[str, str]:
    """Every way the body may name a file -> its sha256: the safe name, the uploaded name, and that name
    %-encoded; the render's attachment mapping takes this as it is."""
    refs: dict[str, str] = {}
    for a in attachments:
        for name in (a.name, a.label):
            if name:
                refs.setdefault(name, a.sha256)
                refs.setdefault(quote(name), a.sha256)
                refs.setdefault(name.replace(" ", "%20"), a.sha256)
                refs.setdefault(unicodedata.normalize("NFD", name), a.sha256)
    return refs


def page_urls(attachments: Iterable[Named]) -> dict[str, str]:
    """Every name the body may use for a file -> the URL students fetch it from: the render's mapping (the same
    for a lesson's save and its page, so the page finds the HTML rendered at save time)."""
    return object_urls(references(attachments).items())


def missing_references(body: str, refs: Mapping[str, str]) -> list[str]:
    """File names the body links to that are not attached (what the preview warns about), in order, once each."""
    missing: list[str] = []
    for match in LINK_RE.finditer(body):
        raw = match.group(2)
        target = _target(raw)
        if not target or SCHEME_RE.match(target) or target.startswith(("/", "#", "?")) or "." not in target:
            continue
        if target not in refs and raw.strip().strip("<>") not in refs and target not in missing:
            missing.append(target)
    return missing


def export_body(body: str, attachments: Iterable[Named]) -> str:
    """The body with uploaded names replaced by safe ones, for a library or hub that knows only those."""
    by_label = {a.label: a.name for a in attachments if a.label and a.label != a.name}

    def fix(match: re.Match) -> str:
        name = by_label.get(_target(match.group(2)))
        return match.group(1) + name + (match.group(3) or "") + match.group(4) if name else match.group(0)

    return LINK_RE.sub(fix, body) if by_label else body


def markdown_for(label: str, kind: str) -> str:
    """What a teacher pastes to show a file: an image for pictures, a link for the rest (the lesson page shows a
    player or the PDF where a video, audio or PDF is linked); <…> keeps spaces and brackets in the name."""
    target = f"<{label}>" if any(c in label for c in " ()") else label
    text = label.rpartition(".")[0] or label
    return f"![{text}]({target})" if kind == "image" else f"[{text}]({target})"
