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
