"""The one way lessons change (an import or a pull, a teacher's edit, a hub's approval): the data version is
counted in the same transaction, and only after the commit do the search index and the page cache hear of it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from blinker import Namespace
from flask import Flask

from ..db import db
from .store import bump_data_version

# Sent after a commit, by the engine of the database that changed (a test process holds several apps, each
# hears only its own), with lesson_ids: the ids whose rows were added, changed or removed.
lessons_changed = Namespace().signal("lessons-changed")
# Sent after a commit that added, replaced or removed books (book_ids): their background indexer wakes up.
books_changed = Namespace().signal("books-changed")


@contextmanager
def changing_lessons() -> Iterator[set[str]]:
    """`with changing_lessons() as changed:` change lesson rows and add their ids to `changed`; on leaving, the
    data version is bumped and the session committed (or rolled back, and the error raised), then the listeners
    are told."""
    changed: set[str] = set()
    try:
        yield changed
        bump_data_version()
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    lessons_changed.send(db.engine, lesson_ids=sorted(changed))


def on_lessons_changed(app: Flask, listener: Callable[[list[str]], None]) -> None:
    """Call `listener(lesson_ids)` after every change committed to `app`'s database, by any module of this process
    (another process's changes are seen through the data version). Kept as long as that database is."""
    with app.app_context():
        engine = db.engine

    def receive(_engine: object, lesson_ids: Iterable[str]) -> None:
        listener(list(lesson_ids))

    lessons_changed.connect(receive, sender=engine, weak=False)
