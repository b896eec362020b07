"""Books that come inside a library (format version 2): checked as ZIMs, then switched with the lesson rows."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from sqlalchemy import select

from ..db import db
from ..models import Book, utcnow
from .fields import ManifestError
from .format import Manifest
from .objects import ObjectStore

if TYPE_CHECKING:
    from .zimfile import ZimInfo


def check_library_books(manifest: Manifest, store: ObjectStore) -> dict[str, ZimInfo]:
    """Every book's ZIM (already verified by hash in the store) must be one libzim reads, checksum and all."""
    from .zimfile import inspect  # libzim: only a library that has books loads it

    infos = {}
    for i, entry in enumerate(manifest.books):
        owner = db.session.get(Book, entry.id)
        if owner is not None and owner.library_id != manifest.library_id:
            where = f"library {owner.library_id!r}" if owner.library_id else "a ZIM imported here"
            raise ManifestError(f"book id {entry.id!r} is already used by {where}", field=f"books[{i}].id")
        try:
            infos[entry.id] = inspect(store.path(entry.zim.sha256), f"objects/{entry.zim.sha256}", entry.id)
        except ManifestError as exc:
            raise ManifestError(exc.reason, file=exc.file, field=f"books[{i}].zim") from None
    return infos


def apply_library_books(manifest: Manifest, infos: dict[str, ZimInfo]) -> list[str]:
    """Add, update and remove this library's book rows inside the caller's transaction; returns changed ids."""
    existing = {b.id: b for b in db.session.scalars(select(Book).where(Book.library_id == manifest.library_id))}
    changed = []
    for entry in manifest.books:
        book = existing.pop(entry.id, None)
        if book is None:
            book = Book(id=entry.id, library_id=manifest.library_id)
            db.session.add(book)
        elif book.zim_sha256 == entry.zim.sha256 and book.title == entry.title and book.subject == entry.subject:
            continue
        book.title, book.lang, book.subject = entry.title, entry.lang, entry.subject
        book.article_count = entry.article_count
        book.has_illustration = infos[entry.id].has_illustration
        book.metadata_json = json.dumps(dict(entry.metadata), ensure_ascii=False, sort_keys=True)
        if book.zim_sha256 != entry.zim.sha256:
            book.zim_sha256, book.zim_size = entry.zim.sha256, entry.zim.size
            # a new ZIM starts its index from the first entry (the old index is removed by the indexer)
            book.indexed_sha256, book.indexed_upto, book.indexed_done = book.zim_sha256, 0, False
        book.installed_at = utcnow()
        changed.append(entry.id)
    for book in existing.values():
        db.session.delete(book)
        changed.append(book.id)
    return changed
