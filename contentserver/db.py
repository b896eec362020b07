"""The SQLite database shared by the server and the sync job: WAL mode and a busy timeout."""

from __future__ import annotations

import sqlite3

from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


# The pool keeps 5 connections and opens more while more threads need one (closed when given back): with its
# default cap of 5 + 10, a 16th thread waited for a connection (up to its timeout), and waitress runs 24.
db = SQLAlchemy(model_class=Base, engine_options={"max_overflow": -1})

# SQLite's own page cache, per connection (its default is 2,000 KiB): the pool keeps up to 5 connections, each
# filling its cache under search load, memory the OS page cache already holds for the database file, where a
# page SQLite does not keep is one pread away. 128 KiB holds the B-tree's upper pages, and search CPU did not
# move (docs/performance.md).
PAGE_CACHE_KIB = 128


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """Readers never block the writer (WAL), a busy writer is waited for, not failed on; a small page cache."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")  # negative: KiB, not pages
        cursor.close()
