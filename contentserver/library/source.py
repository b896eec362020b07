"""The human-authored source form of a library (content/): lesson folders with TOML front matter."""

from __future__ import annotations

import hashlib
import re
import tomllib
from pathlib import Path

from .format import FORMAT_NAME, MEDIA_TYPES, Manifest, ManifestError, is_safe_name, validate_manifest
from .objects import sha256_file

SOURCE_HEADER = "library.toml"
LESSON_FILE = "lesson.md"
FENCE = "+++"
EXTENSION_TYPES = {ext: media_type for media_type, (_kind, exts) in MEDIA_TYPES.items() for ext in exts}
SUBTITLE_RE = re.compile(r"^(?P<stem>.+?)(?:\.(?P<lang>kk|ru|en))?\.vtt$")


def _front_matter(path: Path) -> tuple[dict, bytes]:
    """Split lesson.md into its TOML front matter and its Markdown body bytes."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ManifestError(f"is not valid UTF-8 (byte {exc.start})", file=str(path)) from None
    lines = text.split("\n")
    if not lines or lines[0].strip() != FENCE:
        raise ManifestError(f"must start with a line '{FENCE}' opening the front matter", file=str(path))
    try:
        end = next(i for i, line in enumerate(lines[1:], 1) if line.strip() == FENCE)
    except StopIteration:
        raise ManifestError(f"front matter is not closed by a line '{FENCE}'", file=str(path)) from None
    try:
        meta = tomllib.loads("\n".join(lines[1:end]))
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"front matter is not valid TOML: {exc}", file=str(path)) from None
    body = "\n".join(lines[end + 1 :]).lstrip("\n")
    return meta, body.encode("utf-8")


def _attachments(folder: Path, lang: str) -> tuple[list[dict], dict[str, Path]]:
    files = sorted(p for p in folder.iterdir() if p.name != LESSON_FILE)
    entries, paths = [], {}
    names = {p.name for p in files}
    for p in files:
        if not p.is_file() or p.is_symlink() or not is_safe_name(p.name):
            raise ManifestError("is not a regular file with a safe name", file=str(p))
        media_type = EXTENSION_TYPES.get(p.suffix.lower())
        if media_type is None:
            raise ManifestError(f"has an unsupported type {p.suffix!r}", file=str(p))
        sha = sha256_file(p)
        entry = {"name": p.name, "sha256": sha, "size": p.stat().st_size, "type": media_type}
        if media_type == "text/vtt":
            m = SUBTITLE_RE.match(p.name)
            video = next(
                (
                    v
                    for v in sorted(names)
                    if m
                    and v.rsplit(".", 1)[0] == m["stem"]
                    and EXTENSION_TYPES.get("." + v.rsplit(".", 1)[-1].lower(), "").startswith("video/")
                ),
                None,
            )
            if m is None or video is None:
                raise ManifestError("subtitles must be named <video>.<lang>.vtt next to their video", file=str(p))
            entry.update(subtitles_for=video, lang=m["lang"] or lang)
        entries.append(entry)
        paths[sha] = p
    return entries, paths


def read_source(root: Path, max_lessons: int) -> tuple[Manifest, dict[str, Path | bytes]]:
    """Build the manifest of a source folder, deterministically, and each object's file (or bytes)."""
    header_path = root / SOURCE_HEADER
    try:
        header = tomllib.loads(header_path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ManifestError(f"is not valid TOML: {exc}", file=str(header_path)) from None
    paths: dict[str, Path | bytes] = {}
    books: list[dict] = []
    if "books" in header:  # ZIM files kept whole: format version 2 (docs/library-format.md)
        from .source_books import source_books

        books, book_paths = source_books(root, header.pop("books"), str(header_path))
        paths.update(book_paths)
    lessons = []
    book_folders = {p.resolve().relative_to(root.resolve()).parts[0] for p in paths.values() if isinstance(p, Path)}
    for folder in sorted(
        p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".") and p.name not in book_folders
    ):
        lesson_path = folder / LESSON_FILE
        if not lesson_path.is_file():
            raise ManifestError(f"lesson folder has no {LESSON_FILE}", file=str(folder))
        meta, body = _front_matter(lesson_path)
        unknown = set(meta) - {"title", "lang", "script", "subject", "grade", "tags"}
        if unknown:
            raise ManifestError(f"unknown front matter keys: {', '.join(sorted(unknown))}", file=str(lesson_path))
        attachments, attachment_paths = _attachments(folder, meta.get("lang", ""))
        body_sha = hashlib.sha256(body).hexdigest()
        paths.update(attachment_paths)
        paths[body_sha] = body
        lessons.append(
            {**meta, "id": folder.name, "body": {"sha256": body_sha, "size": len(body)}, "attachments": attachments}
        )
    # the lowest version that holds the content, the version its built manifest is written in
    data = {"format": FORMAT_NAME, "format_version": 2 if books else 1, **header, "lessons": lessons}
    if books:
        data["books"] = books
    try:
        manifest = validate_manifest(data, max_lessons)
    except ManifestError as exc:
        where = exc.field
        m = re.match(r"lessons\[(\d+)\]\.(.*)", where)
        file = str(root / lessons[int(m[1])]["id"] / LESSON_FILE) if m else str(header_path)
        raise ManifestError(exc.reason, file=file, field=m[2] if m else where) from None
    return manifest, paths
