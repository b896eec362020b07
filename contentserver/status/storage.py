"""Storage and content: the object store, books and indexes on disk, free space against the reserve, the libraries
installed and what is being indexed or transcoded."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from ..books.textindex import index_root as book_index_root
from ..db import db
from ..models import Book, InstalledLibrary
from ..video.queue import overview as video_overview
from .times import iso

WALK_SECONDS = 300.0  # the object store is walked at most this often: 100,000 files take a Pi a while
LOW_FACTOR = 2  # warn from twice the reserve, before uploads and syncs start being refused
_walks: dict[str, tuple[float, tuple[int, int]]] = {}
_walk_lock = threading.Lock()


def _folder(path: Path) -> tuple[int, int]:
    """(files, bytes) under a folder, recursively; what vanished meanwhile is skipped."""
    files = size = 0
    for root, _dirs, names in os.walk(path):
        for name in names:
            try:
                size += os.stat(os.path.join(root, name)).st_size
            except OSError:
                continue
            files += 1
    return files, size


def _folder_cached(path: Path) -> tuple[int, int]:
    key = str(path)
    with _walk_lock:
        cached = _walks.get(key)
        if cached and time.monotonic() - cached[0] < WALK_SECONDS:
            return cached[1]
    figures = _folder(path)
    with _walk_lock:
        _walks[key] = (time.monotonic(), figures)
    return figures


def storage(data_dir: Path, reserve: int) -> dict[str, Any]:
    """Sizes on disk and free space; `warning` is "below_reserve" once uploads are refused, "low" before."""
    objects, object_bytes = _folder_cached(data_dir / "objects")
    books, book_bytes = db.session.execute(select(func.count(), func.coalesce(func.sum(Book.zim_size), 0))).one()
    free = shutil.disk_usage(data_dir).free
    warning = "below_reserve" if free < reserve else "low" if free < LOW_FACTOR * reserve else None
    return {
        "objects": objects,
        "object_bytes": object_bytes,
        "books": books,
        "book_bytes": int(book_bytes),
        "search_index_bytes": _folder_cached(data_dir / "index")[1],
        "book_index_bytes": _folder_cached(book_index_root(data_dir))[1],
        "database_bytes": sum(
            (data_dir / name).stat().st_size
            for name in ("library.sqlite", "library.sqlite-wal")
            if (data_dir / name).exists()
        ),
        "free_bytes": free,
        "reserve_bytes": reserve,
        "warning": warning,
    }


def content(search_rebuilding: bool) -> dict[str, Any]:
    """Libraries installed (and when), books and their indexing, the lesson search index's state, the videos
    waiting for or being given their small copy for phones."""
    libraries = db.session.scalars(select(InstalledLibrary).order_by(InstalledLibrary.installed_at.desc()))
    books = list(db.session.scalars(select(Book).order_by(Book.installed_at.desc())))
    return {
        "libraries": [
            {
                "library_id": lib.library_id,
                "title": lib.title,
                "version": lib.version,
                "installed_at": iso(lib.installed_at),
            }
            for lib in libraries
        ],
        "books": [
            {
                "id": book.id,
                "title": book.title,
                "installed_at": iso(book.installed_at),
                "articles": book.article_count,
                "indexed_articles": book.article_count if book.indexed_done else book.indexed_upto,
                "indexed": book.indexed_done,
            }
            for book in books
        ],
        "search_index": "rebuilding" if search_rebuilding else "ready",
        "videos": video_overview(),
    }
