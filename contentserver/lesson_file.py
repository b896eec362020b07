"""A lesson as one self-contained HTML file, for reading offline from a phone's Downloads over plain http://,
where no service worker can run: the page's style and its pictures are inside the file, larger media are links."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from .library.objects import ObjectStore

OBJECT_SRC = re.compile(r'(src|href)="/objects/([0-9a-f]{64})"')
MAX_INLINE_BYTES = 2 * 1024 * 1024  # a picture larger than this stays a link (the file should open on a phone)


def inline_objects(
    html: str, objects: ObjectStore, media_types: Mapping[str, str], absolute: Callable[[str], str]
) -> str:
    """Every picture the page loads from /objects/ put inside as a data: URL; every other object link made
    absolute, so it still works from the school network when the file is opened from Downloads."""

    def fix(match: re.Match) -> str:
        attribute, sha = match.group(1), match.group(2)
        media_type = media_types.get(sha, "")
        if attribute == "src" and media_type.startswith("image/") and objects.has(sha):
            path = objects.path(sha)
            if path.stat().st_size <= MAX_INLINE_BYTES:
                data = base64.b64encode(path.read_bytes()).decode("ascii")
                return f'{attribute}="data:{media_type};base64,{data}"'
        return f'{attribute}="{absolute("/objects/" + sha)}"'

    return OBJECT_SRC.sub(fix, html)


def file_name(title: str) -> str:
    """The saved file's name: the lesson's title (any script) with what file systems refuse taken out."""
    cleaned = re.sub(r'[\x00-\x1f\x7f/\\:*?"<>|]+', " ", title).strip(" .")
    return (" ".join(cleaned.split())[:80] or "lesson") + ".html"


def stylesheet(static_folder: str | Path) -> str:
    return (Path(static_folder) / "style.css").read_text("utf-8")
