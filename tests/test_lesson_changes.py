"""The one "lessons changed" path (library/changes.py): counted, committed or rolled back, then heard by the
search index and the page cache of that app only."""

from __future__ import annotations

import pytest
from conftest import import_into, lesson_spec

from contentserver.db import db
from contentserver.library.changes import changing_lessons, on_lessons_changed
from contentserver.library.store import data_version
from contentserver.models import Lesson


def _title(app, lesson_id: str) -> str:
    with app.app_context():
        title = db.session.get(Lesson, lesson_id).title
        db.session.remove()
        return title


def test_a_change_is_counted_committed_then_heard_by_its_own_app_only(make_app, make_library, tmp_path):
    app, other = make_app(), make_app(DATA_DIR=str(tmp_path / "other"))
    import_into(app, make_library([lesson_spec("alpha")]))
    heard: list[list[str]] = []
    heard_by_other: list[list[str]] = []
    on_lessons_changed(app, heard.append)
    on_lessons_changed(other, heard_by_other.append)
    with app.app_context():
        before = data_version()
        with changing_lessons() as changed:
            db.session.get(Lesson, "alpha").title = "Жүрек"
            changed.add("alpha")
        assert data_version() == before + 1
        db.session.remove()
    assert _title(app, "alpha") == "Жүрек"
    assert heard == [["alpha"]] and heard_by_other == []


def test_a_failed_change_is_rolled_back_and_heard_by_no_one(app, make_library):
    import_into(app, make_library([lesson_spec("alpha")]))
    heard: list[list[str]] = []
    on_lessons_changed(app, heard.append)
    with app.app_context():
        before = data_version()
        with pytest.raises(RuntimeError, match="disk"), changing_lessons() as changed:
            db.session.get(Lesson, "alpha").title = "half done"
            changed.add("alpha")
            raise RuntimeError("the disk is full")
        assert data_version() == before
        db.session.remove()
    assert _title(app, "alpha") == "Lesson alpha"
    assert heard == []


def test_an_import_is_searchable_and_drops_cached_pages_at_once(app, make_library):
    client = app.test_client()
    import_into(app, make_library([lesson_spec("alpha", title="Күн жүйесі")]))
    assert client.get("/lessons/alpha").status_code == 200
    cache = app.extensions["page_cache"]
    assert cache.bytes > 0
    import_into(app, make_library([lesson_spec("alpha", title="Ай"), lesson_spec("beta")], version=2))
    assert cache.bytes == 0  # no wait for LIBRARY_CHECK_SECONDS
    with app.app_context(), app.extensions["indexer"].searcher() as searcher:
        assert searcher.document(id="beta") is not None  # searchable on return, no rebuild
