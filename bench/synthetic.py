"""Synthetic libraries of any size, made deterministically from the shared corpus, and their imported data folders.

Lessons mix sections of corpus lessons in the same language and script, so text, markup (lists, tables, code)
and length look like real lessons. Everything is written through the project's own library code (format,
bundle, build), and both the built library and the data folder it imports into are cached outside the repo.
"""

from __future__ import annotations

import ctypes
import hashlib
import importlib
import inspect
import json
import random
import signal
import struct
import subprocess
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

from contentserver.library.build import write_library
from contentserver.library.bundle import LibraryBundle, open_library
from contentserver.library.format import MANIFEST_NAME, AttachmentEntry, LessonEntry, Manifest, ObjectRef
from contentserver.settings import load_settings

from .cache import cached_folder, digest

REPO = Path(__file__).resolve().parents[1]
CORPUS = REPO.parent / "shared" / "corpus" / "lessons.jsonl"
GENERATOR_VERSION = "1"  # bump when the generator below changes what it writes
SEED = 20261125
PR_SET_PDEATHSIG = 1  # prctl(2)
# (lang, script) -> share of lessons: a Kazakh school library is mostly Kazakh, then Russian, some English.
LANGUAGE_MIX = {("kk", "Cyrl"): 0.45, ("ru", "Cyrl"): 0.30, ("en", "Latn"): 0.15, ("kk", "Latn"): 0.10}
PART_WORD = {("kk", "Cyrl"): "бөлім", ("ru", "Cyrl"): "часть", ("en", "Latn"): "part", ("kk", "Latn"): "bölım"}
IMAGE_SHARE = 0.10  # lessons with a figure (one of a few small PNGs, stored once: content-addressed)
WORDS_MEDIAN, WORDS_MIN, WORDS_MAX = 320, 120, 1500
# What makes an imported data folder stale: the rows the importer fills and the search index schema. (Not all
# of the code: it changes all day, new tables are made at start-up, and importing 20,000 lessons with their
# index takes minutes. After a change to text analysis, remove the cached data-* folders to measure it.)
DATA_SHAPE = (
    "contentserver.models:Lesson",
    "contentserver.models:Attachment",
    "contentserver.models:InstalledLibrary",
    "contentserver.search.schema:build_schema",
)


@dataclass(frozen=True)
class CorpusLesson:
    id: str
    topic: str
    lang: str
    script: str
    subject: str
    grade: int
    title: str
    sections: tuple[str, ...]  # the body without its "# title" line, cut before each "## " heading


def load_corpus(path: Path = CORPUS) -> list[CorpusLesson]:
    """The shared corpus, each body cut into sections that can be recombined."""
    lessons = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        body = row["body"].split("\n", 1)[1] if row["body"].startswith("# ") else row["body"]
        sections, current = [], []
        for text_line in body.strip().split("\n"):
            if text_line.startswith("## ") and current:
                sections.append("\n".join(current).strip())
                current = []
            current.append(text_line)
        sections.append("\n".join(current).strip())
        lessons.append(
            CorpusLesson(
                row["id"],
                row["topic"],
                row["lang"],
                row["script"],
                row["subject"],
                int(row["grade"]),
                row["title"],
                tuple(s for s in sections if s),
            )
        )
    return lessons


def _png(rgb: tuple[int, int, int], side: int = 24) -> bytes:
    """A tiny valid one-colour PNG, so some lessons carry a real image attachment."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\0" + bytes(rgb) * side for _ in range(side))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def _body(rng: random.Random, base: CorpusLesson, same_language: list[CorpusLesson], title: str) -> str:
    """A title, then the base lesson's sections and sections of other lessons in its language, to a length."""
    target = min(WORDS_MAX, max(WORDS_MIN, int(rng.lognormvariate(0, 0.5) * WORDS_MEDIAN)))
    parts, words = [f"# {title}"], 0
    pool = list(base.sections)
    while words < target:
        if not pool:
            pool = list(rng.choice(same_language).sections)
            rng.shuffle(pool)
        section = pool.pop(0)
        parts.append(section)
        words += len(section.split())
    return "\n\n".join(parts) + "\n"


def generate(n: int, corpus: list[CorpusLesson]) -> tuple[Manifest, dict[str, bytes]]:
    """n lessons (a manifest and its objects' bytes by sha256), the same for the same n and corpus."""
    rng = random.Random(SEED)
    by_language: dict[tuple[str, str], list[CorpusLesson]] = {}
    for lesson in corpus:
        by_language.setdefault((lesson.lang, lesson.script), []).append(lesson)
    mixes = [key for key in LANGUAGE_MIX if key in by_language]
    weights = [LANGUAGE_MIX[key] for key in mixes]
    objects: dict[str, bytes] = {}

    def put(data: bytes) -> ObjectRef:
        ref = ObjectRef(hashlib.sha256(data).hexdigest(), len(data))
        objects[ref.sha256] = data
        return ref

    images = [put(_png((40 * i % 256, 90 + 20 * i, 200 - 15 * i))) for i in range(8)]
    entries, parts = [], dict.fromkeys((lesson.id for lesson in corpus), 0)
    for i in range(n):
        language = rng.choices(mixes, weights)[0]
        base = rng.choice(by_language[language])
        parts[base.id] += 1
        title = f"{base.title} — {PART_WORD[language]} {parts[base.id]}"
        body = _body(rng, base, by_language[language], title)
        attachments: tuple[AttachmentEntry, ...] = ()
        if rng.random() < IMAGE_SHARE:
            image = rng.choice(images)
            body += f"\n![{base.topic}](figure.png)\n"
            attachments = (AttachmentEntry("figure.png", image.sha256, image.size, "image/png"),)
        entries.append(
            LessonEntry(
                id=f"{base.id}-{i:06d}",
                title=title,
                lang=base.lang,
                script=base.script,
                subject=base.subject,
                grade=min(11, max(1, base.grade + rng.randint(-1, 2))),
                tags=(base.topic.split("-", 1)[1], base.subject),
                body=put(body.encode("utf-8")),
                attachments=attachments,
            )
        )
    manifest = Manifest(
        library_id=f"bench-synthetic-{n}",
        title=f"Synthetic library of {n} lessons",
        version=1,
        created="2026-11-25T00:00:00Z",
        lessons=tuple(entries),
    )
    return manifest, objects


def synthetic_library(n: int) -> Path:
    """A built library folder (docs/library-format.md) of n synthetic lessons, cached outside the repo."""
    key = digest(CORPUS.read_bytes(), GENERATOR_VERSION, str(n))

    def build(out: Path) -> None:
        started = time.monotonic()
        print(f"  building a synthetic library of {n} lessons (cached for later runs)…", flush=True)
        manifest, objects = generate(n, load_corpus())
        write_library(LibraryBundle(manifest, "", out, dict(objects)), out)
        settings = load_settings(environ={})
        open_library(out, settings["MAX_MANIFEST_BYTES"], settings["MAX_LESSONS"])  # the format accepts it
        print(f"  built {n} lessons in {time.monotonic() - started:.0f} s", flush=True)

    return cached_folder(f"lib-{n}-{key}", build)


def _data_shape() -> str:
    """The source of the classes and functions named in DATA_SHAPE (those that exist)."""
    parts = []
    for name in DATA_SHAPE:
        module, attr = name.split(":")
        try:
            parts.append(inspect.getsource(getattr(importlib.import_module(module), attr)))
        except (ImportError, AttributeError):
            parts.append(f"{name}: absent")
    return "\n".join(parts)


def _die_with_parent() -> None:
    """In the import child: end when the bench that started it ends, even by SIGKILL (a budget's timeout), so
    no orphan goes on writing into a temporary folder that the next build will remove."""
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def imported_data(library: Path) -> Path:
    """A data folder with `library` imported by `contentserver import` (DB, objects, search index), cached.

    Its key is the library's manifest and the code that shapes a data folder, so a schema or index change
    imports afresh. A server may be run on it (it writes only its WAL and caches); copy it to modify it.
    """
    key = digest((library / MANIFEST_NAME).read_bytes(), _data_shape())

    def build(out: Path) -> None:
        started = time.monotonic()
        print(f"  importing {library.name} into a data folder (cached for later runs)…", flush=True)
        subprocess.run(
            [
                sys.executable,
                "-c",
                "from contentserver.cli import main; main()",
                "import",
                str(library),
                "--data",
                str(out),
            ],
            check=True,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            preexec_fn=_die_with_parent,
        )
        print(f"  imported in {time.monotonic() - started:.0f} s", flush=True)

    return cached_folder(f"data-{library.name}-{key}", build)


def lesson_ids(library: Path) -> list[str]:
    """The lesson ids of a built library, in manifest order."""
    return [entry["id"] for entry in json.loads((library / MANIFEST_NAME).read_bytes())["lessons"]]
