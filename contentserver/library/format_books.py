"""Format version 2's book entries: a ZIM file in the object store, described by its own metadata."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .fields import ID_RE, ManifestError, ObjectRef, entry_list, object_ref, req, text

BOOKS_SINCE_VERSION = 2
# The ZIM metadata a book entry keeps (openzim's names), each at most this long: a description is one paragraph.
ZIM_METADATA_KEYS = ("Name", "Title", "Language", "Creator", "Publisher", "Date", "Description", "License")
MAX_METADATA_CHARS = 2000
LANG_RE = re.compile(r"^[a-z]{2,3}\Z")
# ISO 639-3 (what ZIM files say) to the codes our analyzers know; any other language is kept as it is and gets
# folded surface forms in search, never a refusal.
ISO639_3 = {"kaz": "kk", "rus": "ru", "eng": "en"}


def book_lang(value: str) -> str:
    """A language code from a ZIM's Language metadata ('eng', 'kaz,rus', 'be'): the first, kk/ru/en shortened."""
    first = (value or "").split(",")[0].strip().lower().split("-")[0].split("_")[0]
    first = ISO639_3.get(first, first)
    return first if LANG_RE.match(first) else "und"


@dataclass(frozen=True)
class BookEntry:
    id: str
    title: str
    lang: str
    zim: ObjectRef
    article_count: int
    metadata: tuple[tuple[str, str], ...] = ()
    subject: str | None = None

    def meta(self, key: str) -> str:
        return dict(self.metadata).get(key, "")


def parse_book(obj: Any, where: str) -> BookEntry:
    """One book entry, checked field by field like a lesson."""
    if not isinstance(obj, dict):
        raise ManifestError("must be an object", field=where.rstrip("."))
    book_id = req(obj, "id", str, where)
    if not ID_RE.match(book_id):
        raise ManifestError(f"{book_id!r} must be lowercase letters, digits and '-' (at most 80)", field=f"{where}id")
    lang = req(obj, "lang", str, where)
    if not LANG_RE.match(lang) and lang != "und":
        raise ManifestError(f"{lang!r} must be a 2- or 3-letter ISO 639 code", field=f"{where}lang")
    count = req(obj, "article_count", int, where)
    if count < 1:
        raise ManifestError("must be 1 or more (a ZIM with no articles is not a book)", field=f"{where}article_count")
    raw_meta = obj.get("zim_metadata", {})
    if not isinstance(raw_meta, dict):
        raise ManifestError("must be an object", field=f"{where}zim_metadata")
    metadata = []
    for key, value in sorted(raw_meta.items()):
        if key not in ZIM_METADATA_KEYS or not isinstance(value, str) or len(value) > MAX_METADATA_CHARS:
            raise ManifestError(
                f"keeps only {', '.join(ZIM_METADATA_KEYS)}, each text of at most {MAX_METADATA_CHARS} characters",
                field=f"{where}zim_metadata.{key}",
            )
        metadata.append((key, value))
    subject = obj.get("subject")
    if subject is not None and (not isinstance(subject, str) or not re.match(r"^[a-z][a-z0-9-]{0,39}\Z", subject)):
        raise ManifestError(f"{subject!r} must be a lowercase word", field=f"{where}subject")
    return BookEntry(
        id=book_id,
        title=text(obj, "title", where, 300),
        lang=lang,
        zim=object_ref(obj.get("zim"), f"{where}zim."),
        article_count=count,
        metadata=tuple(metadata),
        subject=subject,
    )


def book_to_dict(book: BookEntry) -> dict[str, Any]:
    """The entry as the manifest's JSON object (inverse of parse_book)."""
    out: dict[str, Any] = {
        "id": book.id,
        "title": book.title,
        "lang": book.lang,
        "zim": {"sha256": book.zim.sha256, "size": book.zim.size},
        "article_count": book.article_count,
        "zim_metadata": dict(book.metadata),
    }
    if book.subject:
        out["subject"] = book.subject
    return out


def parse_books(data: dict, version: int) -> tuple[BookEntry, ...]:
    """The manifest's `books` list: absent means none; refused in a version that has no books."""
    return entry_list(data, "books", BOOKS_SINCE_VERSION, version, parse_book, "book")
