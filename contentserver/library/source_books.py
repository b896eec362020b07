"""Books in a library's source form: `[[books]]` in library.toml names ZIM files inside the library folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .fields import ManifestError
from .objects import sha256_file
from .zimfile import inspect


def source_books(root: Path, specs: Any, label: str) -> tuple[list[dict], dict[str, Path]]:
    """Book entries (as manifest JSON) for `[[books]] file = "…", subject = "…"`, and each ZIM's file by sha256.

    Each ZIM is read with libzim and its checksum checked here, so a damaged one never reaches a hub."""
    if not isinstance(specs, list) or not all(isinstance(s, dict) for s in specs):
        raise ManifestError('must be a list of tables: [[books]] file = "books/NAME.zim"', file=label, field="books")
    entries, paths = [], {}
    base = root.resolve()
    for i, spec in enumerate(specs):
        where = f"books[{i}]"
        unknown = set(spec) - {"file", "subject", "id"}
        if unknown or not isinstance(spec.get("file"), str):
            raise ManifestError("needs file = a ZIM inside the library folder (and may have subject, id)", label, where)
        path = (root / spec["file"]).resolve()
        if not path.is_relative_to(base) or not path.is_file() or path.is_symlink():
            raise ManifestError(f"{spec['file']!r} is not a file inside the library folder", label, f"{where}.file")
        info = inspect(path, str(path), path.stem)
        sha = sha256_file(path)
        entry: dict[str, Any] = {
            "id": spec.get("id", info.book_id),
            "title": info.title,
            "lang": info.lang,
            "zim": {"sha256": sha, "size": path.stat().st_size},
            "article_count": info.article_count,
            "zim_metadata": info.metadata,
        }
        if "subject" in spec:
            entry["subject"] = spec["subject"]
        entries.append(entry)
        paths[sha] = path
    return entries, paths
