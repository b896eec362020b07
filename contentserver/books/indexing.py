"""Where a book's search indexing stands: reset when its ZIM changes, woken after an import."""

from __future__ import annotations

import threading

from ..models import Book

_wakeup = threading.Event()


def reset(book: Book) -> None:
    """A new ZIM starts its index from the first entry (the old one is dropped by the indexer, not here)."""
    book.indexed_sha256, book.indexed_upto, book.indexed_done = book.zim_sha256, 0, False


def wake() -> None:
    """Tell the background indexer in this process that a book changed."""
    _wakeup.set()


def wait(timeout: float) -> bool:
    """The background indexer sleeps here between rounds; True when woken."""
    woken = _wakeup.wait(timeout)
    _wakeup.clear()
    return woken
