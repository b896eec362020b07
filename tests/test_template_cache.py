"""Compiled templates are kept in the data folder, so a restarted server does not compile them again."""

from __future__ import annotations

from conftest import import_into, sample_lessons

EN = {"Accept-Language": "en"}


def test_restarted_app_renders_the_same_page_from_the_compiled_templates(make_app, make_library, data_dir):
    first = make_app()
    import_into(first, make_library(sample_lessons()))
    page = first.test_client().get("/lessons/alpha", headers=EN)
    compiled = {path.name: path.stat().st_mtime_ns for path in (data_dir / "template-cache").iterdir()}
    assert page.status_code == 200 and compiled

    again = make_app().test_client().get("/lessons/alpha", headers=EN)
    assert again.status_code == 200 and again.get_data() == page.get_data()
    assert {path.name: path.stat().st_mtime_ns for path in (data_dir / "template-cache").iterdir()} == compiled


def test_pages_are_served_when_compiled_templates_cannot_be_written(make_app, make_library, data_dir):
    app = make_app()
    import_into(app, make_library(sample_lessons()))
    cache = data_dir / "template-cache"
    for path in cache.iterdir():
        path.unlink()
    cache.rmdir()
    cache.write_text("not a folder: every write into it fails, as on a full disk")
    page = app.test_client().get("/lessons/alpha", headers=EN)
    assert page.status_code == 200 and b"<html" in page.get_data()
    assert make_app().test_client().get("/lessons/alpha", headers=EN).status_code == 200
