"""Every script-injection vector in a title, body, tag or file name is shown inert on every page."""
from __future__ import annotations

import pytest

from conftest import png_bytes
from teach_http import LESSON, create_lesson, inert_problems, start_site, xss_vectors


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
    lesson_id = create_lesson(anna, title=one_line, body=f"{vector}\n\n![pic](pic.png)\n",
                              tags=f"{one_line[:60]}, plain")
    anna.get(f"/teach/lessons/{lesson_id}")
    reply = anna.post(f"/teach/lessons/{lesson_id}/files", files={"file": (f"{one_line}.png", png_bytes())})
    assert reply.status == 303
    pages = {path: anna.get(path) for path in ("/teach/", f"/teach/lessons/{lesson_id}",
                                               f"/teach/lessons/{lesson_id}/history", f"/lessons/{lesson_id}")}
    anna.get(f"/teach/lessons/{lesson_id}")
    pages["preview"] = anna.post(f"/teach/lessons/{lesson_id}", {**LESSON, "body": vector, "action": "preview"})
    for path, reply in pages.items():
        assert reply.status == 200, path
        assert inert_problems(reply.text) == [], (path, vector)
