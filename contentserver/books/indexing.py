"""Book search indexing in the background: resumes where it stopped (even after kill -9), never blocks browsing."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import select, update

from ..db import db
from ..library.changes import books_changed
from ..models import Book
from .textindex import IndexLock, analysis_lang, index_batch, index_dir, remove_unused

log = logging.getLogger(__name__)
_wakeup = threading.Event()
IDLE_SECONDS = 60.0  # with nothing to index, look again this often (an import in another process wakes nobody)


def reset(book: Book) -> None:
    """A new ZIM starts its index from the first entry (the old index is removed by the indexer, not here)."""
    book.indexed_sha256, book.indexed_upto, book.indexed_done = book.zim_sha256, 0, False


def wake(*_sender: object, **_changes: object) -> None:
    """Tell the background indexer in this process that a book changed (also the library's books_changed receiver)."""
    _wakeup.set()


books_changed.connect(wake, weak=False)


def _pending() -> list[tuple[str, str, str, str | None, int]]:
    rows = db.session.execute(
        select(Book.id, Book.zim_sha256, Book.lang, Book.subject, Book.indexed_upto)
        .where(Book.indexed_done.is_(False))
        .order_by(Book.installed_at)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def index_pending(app: Flask, should_stop: Callable[[], bool] = lambda: False) -> int:
    """Index every book not fully indexed, batch by batch, recording progress after each; returns batches done.
    Returns 0 at once when another process holds the index lock."""
    data_dir = Path(app.config["DATA_DIR"])
    lock = IndexLock(data_dir)
    if not lock.acquire():
        return 0
    batches = 0
    try:
        with app.app_context():
            remove_unused(data_dir, set(db.session.scalars(select(Book.zim_sha256))))
            for book_id, sha, lang, subject, upto in _pending():
                folder = index_dir(data_dir, sha)
                if upto and not folder.is_dir():
                    upto = 0  # the index went (another index format): start again
                archive = app.extensions["book_archives"].get(sha)
                while upto < archive.entry_count and not should_stop():
                    upto = index_batch(folder, archive, upto, analysis_lang(lang), subject or "", should_stop)
                    done = upto >= archive.entry_count
                    db.session.execute(
                        update(Book)
                        .where(Book.id == book_id, Book.zim_sha256 == sha)  # not a book replaced meanwhile
                        .values(indexed_sha256=sha, indexed_upto=upto, indexed_done=done)
                    )
                    db.session.commit()
                    batches += 1
                if archive.entry_count == 0 or upto >= archive.entry_count:
                    db.session.execute(
                        update(Book).where(Book.id == book_id, Book.zim_sha256 == sha).values(indexed_done=True)
                    )
                    db.session.commit()
                if should_stop():
                    break
            db.session.remove()
    finally:
        lock.release()
    return batches


def start_book_indexer(app: Flask) -> threading.Thread:
    """The server's indexing thread: runs after imports (woken) and every IDLE_SECONDS."""

    def run() -> None:
        while True:
            try:
                index_pending(app)
            except Exception:
                log.exception("indexing books for search failed; it is tried again later")
            _wakeup.wait(IDLE_SECONDS)
            _wakeup.clear()

    thread = threading.Thread(target=run, name="book-indexer", daemon=True)
    thread.start()
    return thread
