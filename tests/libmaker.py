"""Test material: hostile input from ../shared, tiny real media files, and synthetic libraries in both forms."""

from __future__ import annotations

import hashlib
import json
import os
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
CONTENT = REPO / "content"

EXTENSION_TYPES = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".webm": "video/webm",
    ".vtt": "text/vtt",
    ".mp3": "audio/mpeg",
    ".ogg": "audio/ogg",
    ".oga": "audio/ogg",
    ".opus": "audio/ogg",
    ".m4a": "audio/mp4",
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".gif": "image/gif",
}


# --- hostile input from ../shared/hostile (read in place) ---------------------------------------------------


def hostile_names() -> list[str]:
    """bad-names.txt, one name a line; plus the real NUL byte and the newline name the file spells on 2 lines."""
    lines = (SHARED / "hostile" / "bad-names.txt").read_text("utf-8").split("\n")
    names = [line for line in lines if line]
    # "file\nname.pdf" cannot be written one-a-line: the file has it as two lines "file" and "name.pdf".
    if "file" in names and "name.pdf" in names:
        names = [n for n in names if n not in ("file", "name.pdf")] + ["file\nname.pdf"]
    names += [n.replace("\\x00", "\x00") for n in names if "\\x00" in n]
    return names


def xss_vectors() -> list[str]:
    """xss-vectors.txt: script-injection vectors separated by lines of `----`."""
    text = (SHARED / "hostile" / "xss-vectors.txt").read_text("utf-8")
    return [v.strip("\n") for v in text.split("\n----\n") if v.strip()]


# --- small but real media files -------------------------------------------------------------------------


def png_bytes(width: int = 2, height: int = 2, rgb: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    """A valid PNG of one colour."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


def pdf_bytes(text: str = "worksheet") -> bytes:
    """A tiny valid one-page PDF."""
    stream = f"BT /F1 18 Tf 20 100 Td ({text}) Tj ET".encode()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


VTT = b"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nHello\n"
FAKE_MP4 = bytes(range(256)) * 8  # 2048 known bytes: good for Range arithmetic; no player needed
PNG = png_bytes()  # the image and the PDF sample_lessons() attach
PDF = pdf_bytes()
EN = {"Accept-Language": "en"}  # request headers for English pages


def sha(data: bytes) -> str:
    """The hex sha256 of bytes: the name the object store gives them."""
    return hashlib.sha256(data).hexdigest()


MP4_SHA = sha(FAKE_MP4)


# --- synthetic libraries ----------------------------------------------------------------------------------

DEFAULT_LESSON = {
    "title": "Lesson",
    "lang": "en",
    "script": "Latn",
    "subject": "science",
    "grade": 5,
    "tags": ["test"],
    "body": "# Lesson\n\nSome text.\n",
    "attachments": {},
}


def lesson_spec(lesson_id: str, **fields: Any) -> dict[str, Any]:
    """A lesson for make_library: DEFAULT_LESSON with `fields` over it; attachments map name -> bytes."""
    spec = {**DEFAULT_LESSON, "id": lesson_id, "title": f"Lesson {lesson_id}", **fields}
    spec["attachments"] = dict(spec["attachments"])
    return spec


def _attachment_entries(attachments: dict[str, bytes], lang: str) -> list[dict[str, Any]]:
    """Manifest entries in name order; subtitles <video-stem>.<lang>.vtt belong to their video."""
    entries = []
    for name in sorted(attachments):
        data = attachments[name]
        ext = os.path.splitext(name)[1].lower()
        entry = {
            "name": name,
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "type": EXTENSION_TYPES.get(ext, "application/pdf"),
        }
        if ext == ".vtt":
            parts = name.split(".")
            sub_lang = parts[-2] if len(parts) >= 3 and parts[-2] in ("kk", "ru", "en") else lang
            stem = ".".join(parts[:-2] if sub_lang == parts[-2] else parts[:-1])
            video = next((n for n in sorted(attachments) if n.rsplit(".", 1)[0] == stem and n != name), None)
            entry.update(subtitles_for=video, lang=sub_lang)
        entries.append(entry)
    return entries


def object_file(root: Path, data: bytes) -> Path:
    """Where `data` lives in a library folder or a data folder: objects/ab/cdef…"""
    name = sha(data)
    return root / "objects" / name[:2] / name[2:]


def write_object(root: Path, data: bytes) -> Path:
    path = object_file(root, data)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def build_manifest(lessons: list[dict[str, Any]], library_id: str, version: int, title: str) -> dict[str, Any]:
    """The manifest dict (docs/library-format.md) for lesson specs, written independently of the code under test."""
    out = []
    for spec in lessons:
        body = spec["body"].encode("utf-8") if isinstance(spec["body"], str) else spec["body"]
        out.append(
            {k: spec[k] for k in ("id", "title", "lang", "script", "subject", "grade", "tags")}
            | {
                "body": {"sha256": hashlib.sha256(body).hexdigest(), "size": len(body)},
                "attachments": _attachment_entries(spec["attachments"], spec["lang"]),
            }
        )
    return {
        "format": "contentserver-library",
        "format_version": 1,
        "library_id": library_id,
        "title": title,
        "version": version,
        "created": "2026-11-25T00:00:00Z",
        "lessons": out,
    }


def write_built_library(
    root: Path,
    lessons: list[dict[str, Any]],
    library_id: str = "test-lib",
    version: int = 1,
    title: str = "Test library",
    edit: Callable[[dict[str, Any]], Any] | None = None,
) -> Path:
    """A library in the built form; `edit(manifest_dict)` may change the manifest before it is written."""
    root.mkdir(parents=True, exist_ok=True)
    for spec in lessons:
        body = spec["body"].encode("utf-8") if isinstance(spec["body"], str) else spec["body"]
        write_object(root, body)
        for data in spec["attachments"].values():
            write_object(root, data)
    manifest = build_manifest(lessons, library_id, version, title)
    if edit is not None:
        edit(manifest)
    (root / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")
    return root


def write_source_library(
    root: Path,
    lessons: list[dict[str, Any]],
    library_id: str = "test-lib",
    version: int = 1,
    title: str = "Test library",
) -> Path:
    """A library in the source form (library.toml + <id>/lesson.md with TOML front matter + media files)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "library.toml").write_text(
        f'library_id = "{library_id}"\ntitle = {json.dumps(title)}\nversion = {version}\n'
        f'created = "2026-11-25T00:00:00Z"\n',
        "utf-8",
    )
    for spec in lessons:
        folder = root / spec["id"]
        folder.mkdir()
        front = "\n".join(
            f"{key} = {json.dumps(spec[key], ensure_ascii=False)}"
            for key in ("title", "lang", "script", "subject", "grade", "tags")
        )
        (folder / "lesson.md").write_text(f"+++\n{front}\n+++\n{spec['body']}", "utf-8")
        for name, data in spec["attachments"].items():
            (folder / name).write_bytes(data)
    return root


SAMPLE_BODY = """# Alpha lesson

Intro with a picture: ![a leaf](leaf.png)

| Unit | Size |
|---|---|
| cm | small |
| km | large |

- first point
- second point

[Worksheet](sheet.pdf)
"""


def sample_lessons(title: str = "Alpha lesson") -> list[dict[str, Any]]:
    """alpha (science, en: table, list, image, PDF, video with en+ru subtitles), beta (math, ru), gamma (math, kk)."""
    return [
        lesson_spec(
            "alpha",
            title=title,
            body=SAMPLE_BODY.replace("Alpha lesson", title),
            attachments={
                "leaf.png": png_bytes(),
                "sheet.pdf": pdf_bytes(),
                "clip.mp4": FAKE_MP4,
                "clip.en.vtt": VTT,
                "clip.ru.vtt": VTT + b"\n",
            },
        ),
        lesson_spec("beta", subject="math", lang="ru", script="Cyrl", title="Бета", grade=5),
        lesson_spec("gamma", subject="math", lang="kk", script="Cyrl", title="Гамма", grade=7),
    ]
