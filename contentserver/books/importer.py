"""Importing a ZIM as a book: one copy into the store (hashed as it is copied), checked, then one row switched."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..db import db
from ..library.fields import ManifestError
from ..library.objects import CHUNK, ObjectStore
from ..library.store import bump_data_version
from ..library.zimfile import ZimInfo, inspect
from ..models import Book, utcnow
from . import indexing

Progress = Callable[[int, int], None]  # (bytes done, bytes in all)


@dataclass(frozen=True)
class BookImport:
    """What importing one ZIM did: 'added', 'replaced' (a newer ZIM of the same book) or 'unchanged'."""

    book_id: str
    title: str
    outcome: str
    article_count: int
    size: int


def check_free_space(staging: Path, needed: int, reserve: int, label: str) -> None:
    """Refuse before copying anything when the ZIM would leave less than `reserve` bytes free."""
    free = shutil.disk_usage(staging).free
    if free - needed < reserve:
        raise ManifestError(
            f"needs {needed:,} bytes and {reserve:,} must stay free, but only {free:,} are free on the data disk; "
            "nothing was copied",
            file=label,
        )


def _copy(parts: list[Path], out, total: int, progress: Progress | None) -> str:
    """Concatenate the parts into `out`, hashing as we go; the file is read once."""
    digest, done = hashlib.sha256(), 0
    for part in parts:
        with open(part, "rb") as src:
            while chunk := src.read(CHUNK * 4):
                digest.update(chunk)
                out.write(chunk)
                done += len(chunk)
                if progress:
                    progress(done, total)
    out.flush()
    os.fsync(out.fileno())
    return digest.hexdigest()


def stage_zim(parts: list[Path], store: ObjectStore, reserve: int, progress: Progress | None = None):
    """Copy a ZIM (or its parts, in order) into staging and check it there: (sha256, size, ZimInfo), or refuse
    leaving nothing behind. Only a ZIM libzim reads whole enters the store."""
    label = str(parts[0]) if len(parts) == 1 else f"{parts[0].name}…{parts[-1].name}"
    total = sum(p.stat().st_size for p in parts)
    check_free_space(store.staging, total, reserve, label)
    fd, tmp_name = tempfile.mkstemp(dir=store.staging, prefix="zim-", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        try:
            with os.fdopen(fd, "wb") as out:
                sha256 = _copy(parts, out, total, progress)
        except OSError as exc:
            reason = "the data disk is full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else exc.strerror or exc
            raise ManifestError(f"could not be copied ({reason}); nothing was installed", file=label) from None
        name = parts[0].name.rsplit(".zim", 1)[0]
        info = inspect(tmp, label, name)
        if not store.has(sha256):
            store.adopt(tmp, sha256)
        return sha256, total, info
    finally:
        tmp.unlink(missing_ok=True)


def import_zim(
    parts: list[Path], store: ObjectStore, reserve: int, progress: Progress | None = None, subject: str | None = None
) -> BookImport:
    """Add a ZIM as a book, or replace the same book's older ZIM; the switch is one transaction."""
    sha256, size, info = stage_zim(parts, store, reserve, progress)
    return install_book(info, sha256, size, subject=subject, library_id=None)


def install_book(
    info: ZimInfo, sha256: str, size: int, subject: str | None = None, library_id: str | None = None
) -> BookImport:
    """Point the book's row at the ZIM object (already in the store) and reset its search position."""
    book = db.session.get(Book, info.book_id)
    if book is not None and book.library_id != library_id:
        owner = f"library {book.library_id!r}" if book.library_id else "a ZIM imported here"
        raise ManifestError(f"book id {info.book_id!r} is already used by {owner}", field="Name")
    if book is not None and book.zim_sha256 == sha256:
        return BookImport(book.id, book.title, "unchanged", book.article_count, size)
    outcome = "replaced" if book is not None else "added"
    try:
        if book is None:
            book = Book(id=info.book_id, library_id=library_id)
            db.session.add(book)
        book.title, book.lang, book.article_count = info.title, info.lang, info.article_count
        book.has_illustration = info.has_illustration
        book.subject = subject or book.subject
        book.zim_sha256, book.zim_size = sha256, size
        book.metadata_json = json.dumps(info.metadata, ensure_ascii=False, sort_keys=True)
        book.installed_at = utcnow()
        indexing.reset(book)
        bump_data_version()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    indexing.wake()
    return BookImport(book.id, book.title, outcome, book.article_count, size)
