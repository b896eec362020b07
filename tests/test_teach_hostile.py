"""Every script-injection vector in a title, body, tag or file name is shown inert on every page."""

from __future__ import annotations

import re

import pytest
from conftest import pdf_bytes, png_bytes
from teach_http import LESSON, bad_names, create_lesson, inert_problems, start_site, xss_vectors

from contentserver.library.format import is_safe_name


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    import conftest

    gen = conftest.start_server.__wrapped__(tmp_path_factory.mktemp("hostile"))
    site = start_site(next(gen), tmp_path_factory.mktemp("hostile-data") / "site")
    yield site
    next(gen, None)


def test_the_inert_check_catches_live_script():
    assert inert_problems('<img src=x onerror="alert(1)">')
    assert inert_problems('<a href=" javascript:alert(1)">x</a>')
    assert inert_problems("<script>alert(1)</script>")
    assert not inert_problems('<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><script src="/static/offline.js"></script>')


@pytest.mark.parametrize("vector", xss_vectors(), ids=range(len(xss_vectors())))
def test_vector_in_title_body_tags_and_file_name_is_inert(hostile_site, vector):
    anna = hostile_site.client("anna")
    one_line = " ".join(vector.split())
    lesson_id = create_lesson(
        anna, title=one_line, body=f"{vector}\n\n![pic](pic.png)\n", tags=f"{one_line[:60]}, plain"
    )
    anna.get(f"/teach/lessons/{lesson_id}")
    reply = anna.post(f"/teach/lessons/{lesson_id}/files", files={"file": (f"{one_line}.png", png_bytes())})
    assert reply.status == 303
    pages = {
        path: anna.get(path)
        for path in (
            "/teach/",
            f"/teach/lessons/{lesson_id}",
            f"/teach/lessons/{lesson_id}/history",
            f"/lessons/{lesson_id}",
        )
    }
    anna.get(f"/teach/lessons/{lesson_id}")
    pages["preview"] = anna.post(f"/teach/lessons/{lesson_id}", {**LESSON, "body": vector, "action": "preview"})
    for path, reply in pages.items():
        assert reply.status == 200, path
        assert inert_problems(reply.text) == [], (path, vector)


def test_hostile_file_names_are_stored_under_clean_names_inside_the_store(hostile_site):
    anna = hostile_site.client("anna")
    lesson_id = create_lesson(anna)
    outside_before = sorted(p.name for p in hostile_site.data_dir.parent.iterdir())
    for raw in bad_names():
        anna.get(f"/teach/lessons/{lesson_id}")
        reply = anna.post(f"/teach/lessons/{lesson_id}/files", files={"file": (raw, pdf_bytes(raw[:20]))})
        assert reply.status == 303, raw
    page = anna.get(f"/teach/lessons/{lesson_id}").text
    names = re.findall(rf'href="/teach/lessons/{lesson_id}/files/([^"]+)"', page)
    assert names and all(is_safe_name(name) and name.endswith(".pdf") for name in names), names
    assert "passwd.pdf" in names and "urok-No1-qazaqsha.pdf" in names
    assert inert_problems(page) == []
    assert sorted(p.name for p in hostile_site.data_dir.parent.iterdir()) == outside_before
    assert not list(hostile_site.data_dir.glob("**/*passwd*")), "no file is named after what the client sent"
