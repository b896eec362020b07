"""Book search indexing in the background: resumes where it stopped (even after kill -9), never blocks browsing."""

from __future__ import annotations

import ctypes
import logging
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from sqlalchemy import select, update

from ..channels.textindex import unindexed
from ..db import db
from ..library.changes import books_changed
from ..models import Book
from .textindex import IndexLock, analysis_lang, index_batch, index_dir, remove_unused

log = logging.getLogger(__name__)
_wakeup = threading.Event()
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
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


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when the server exits, however it exits (Linux's PR_SET_PDEATHSIG)."""
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def run_index_job(data_dir: str) -> int:
    """One round of the index job in a child process (index_job.py); its exit status."""
    command = [sys.executable, "-m", "contentserver.books.index_job", "--data", data_dir]
    return subprocess.run(command, preexec_fn=_die_with_parent, check=False).returncode


def start_book_indexer(app: Flask) -> threading.Thread:
    """The server's indexing loop, in a thread that waits for the job's child process: after an import in this
    process (woken) and every IDLE_SECONDS (an import by the CLI or a sync)."""
    data_dir = app.config["DATA_DIR"]

    def run() -> None:
        while True:
            with app.app_context():
                pending = bool(_pending()) or bool(unindexed(Path(data_dir), app.extensions["object_store"]))
                db.session.remove()
            if pending and run_index_job(data_dir) != 0:
                log.error("indexing books for search failed; it is tried again in %d s", IDLE_SECONDS)
            _wakeup.wait(IDLE_SECONDS)
            _wakeup.clear()

    thread = threading.Thread(target=run, name="book-indexer", daemon=True)
    thread.start()
    return thread
