"""Browsing with the test client: home, lists, lesson pages, objects with Range/ETag, errors, caching."""
from __future__ import annotations

import hashlib
import os
import subprocess

import pytest

from conftest import (CONTENT, FAKE_MP4, VENV_BIN, VTT, Elements, external_urls, import_into, lesson_spec,
                      pdf_bytes, png_bytes, xss_vectors)

PNG = png_bytes()
PDF = pdf_bytes()
MP4_SHA = hashlib.sha256(FAKE_MP4).hexdigest()
BODY = """# Alpha lesson

Intro with a picture: ![a leaf](leaf.png)

| Unit | Size |
|---|---|
| cm | small |
| km | large |

- first point
- second point

[Worksheet](sheet.pdf)
"""
EN = {"Accept-Language": "en"}


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def lessons(title: str = "Alpha lesson") -> list[dict]:
    return [
        lesson_spec("alpha", title=title, body=BODY.replace("Alpha lesson", title),
                    attachments={"leaf.png": PNG, "sheet.pdf": PDF, "clip.mp4": FAKE_MP4, "clip.en.vtt": VTT,
                                 "clip.ru.vtt": VTT + b"\n"}),
        lesson_spec("beta", subject="math", lang="ru", script="Cyrl", title="Бета", grade=5),
        lesson_spec("gamma", subject="math", lang="kk", script="Cyrl", title="Гамма", grade=7),
    ]


@pytest.fixture
def library_app(app, make_library):
    import_into(app, make_library(lessons()))
    return app


@pytest.fixture
def browse(library_app):
    return library_app.test_client()


def page(client, path: str, status: int = 200, **headers) -> str:
    response = client.get(path, headers={**EN, **headers})
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def fetch(client, path: str) -> bytes:
    with client.get(path) as response:
        assert response.status_code == 200, path
        return response.get_data()


def link_texts(html: str, prefix: str) -> dict[str, str]:
    """href -> the visible text of each link whose href starts with `prefix`."""
    from html.parser import HTMLParser

    class Links(HTMLParser):
        def __init__(self):
            super().__init__()
            self.links, self.current = {}, None

        def handle_starttag(self, tag, attrs):
            href = dict(attrs).get("href") or ""
            if tag == "a" and href.startswith(prefix):
                self.current = href
                self.links[href] = ""

        def handle_endtag(self, tag):
            if tag == "a":
                self.current = None

        def handle_data(self, data):
            if self.current:
                self.links[self.current] += data

    parser = Links()
    parser.feed(html)
    return {href: " ".join(text.split()) for href, text in parser.links.items()}


def lesson_links(html: str) -> set[str]:
    return {href.rsplit("/", 1)[1] for href in link_texts(html, "/lessons/")}


# --- pages ------------------------------------------------------------------------------------------------

def test_home_shows_subjects_grades_and_languages_with_counts(browse):
    html = page(browse, "/")
    assert link_texts(html, "/subjects/") == {"/subjects/math": "Mathematics 2", "/subjects/science": "Science 1"}
    assert link_texts(html, "/grades/") == {"/grades/5": "Grade 5 2", "/grades/7": "Grade 7 1"}
    assert link_texts(html, "/languages/") == {"/languages/en": "English 1", "/languages/kk": "Қазақша 1",
                                               "/languages/ru": "Русский 1"}
    assert "3 lessons" in html


def test_home_of_an_empty_library_says_so(client):
    html = page(client, "/")
    assert "The library is empty" in html and not link_texts(html, "/subjects/")


@pytest.mark.parametrize("path, expected", [
    ("/subjects/math", {"beta", "gamma"}), ("/subjects/science", {"alpha"}), ("/subjects/history", set()),
    ("/grades/5", {"alpha", "beta"}), ("/grades/7", {"gamma"}), ("/grades/12", set()),
    ("/languages/kk", {"gamma"}), ("/languages/ru", {"beta"}), ("/languages/en", {"alpha"}),
])
def test_list_pages_show_the_matching_lessons(browse, path, expected):
    assert lesson_links(page(browse, path)) == expected


@pytest.mark.parametrize("path", ["/languages/de", "/grades/x", "/subjects/math?page=2", "/lessons/nope",
                                  "/lessons/ALPHA", "/nothing/here"])
def test_unknown_pages_get_a_friendly_404_page(browse, path):
    response = browse.get(path, headers=EN)
    assert response.status_code == 404 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "Page not found" in html and 'href="/"' in html and "Traceback" not in html


def test_errors_under_api_are_json(browse):
    response = browse.get("/api/lessons/nope")
    assert response.status_code == 404 and response.is_json
    assert response.get_json()["error"]["status"] == 404


def test_clients_asking_for_json_get_json_errors(browse):
    response = browse.get("/lessons/nope", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.get_json()["error"]["status"] == 404


def test_lesson_page_renders_markdown_table_list_and_title(browse):
    html = page(browse, "/lessons/alpha")
    assert "<title>Alpha lesson" in html and "<h1>Alpha lesson</h1>" in html
    assert "<td>km</td>" in html and "<li>second point</li>" in html


def test_lesson_page_shows_video_with_subtitle_tracks(browse):
    doc = Elements(page(browse, "/lessons/alpha"))
    (video,) = doc.find("video")
    assert "controls" in video
    assert doc.find("source") == [{"src": f"/objects/{MP4_SHA}", "type": "video/mp4"}]
    tracks = {t["srclang"]: t for t in doc.find("track")}
    assert set(tracks) == {"en", "ru"}
    assert tracks["en"]["src"] == f"/objects/{sha(VTT)}" and tracks["en"]["kind"] == "subtitles"
    assert "default" in tracks["en"] and "default" not in tracks["ru"]


def test_lesson_page_links_the_pdf_and_shows_images_from_the_object_store(browse):
    doc = Elements(page(browse, "/lessons/alpha"))
    assert f"/objects/{sha(PDF)}" in {a.get("href") for a in doc.find("a")}
    assert f"/objects/{sha(PNG)}" in {img.get("src") for img in doc.find("img")}


def test_lesson_page_offers_unreferenced_attachments_for_download(browse):
    doc = Elements(page(browse, "/lessons/alpha"))
    downloads = {a["download"]: a["href"] for a in doc.find("a") if a.get("download")}
    assert downloads.get("clip.mp4") == f"/objects/{MP4_SHA}"


def test_pages_are_readable_on_a_narrow_phone(browse):
    doc = Elements(page(browse, "/lessons/alpha"))
    viewports = [m for m in doc.find("meta") if m.get("name") == "viewport"]
    assert viewports and "width=device-width" in viewports[0]["content"]


def test_hostile_title_tags_and_body_are_harmless_on_the_lesson_page(app, make_library):
    vector = "<script>alert(1)</script><img src=x onerror=alert(1)>"
    hostile = lesson_spec("evil", title=vector, tags=[vector[:60]], body="\n\n".join(xss_vectors()))
    import_into(app, make_library([hostile]))
    client = app.test_client()
    for path in ("/lessons/evil", "/", "/subjects/science", "/grades/5", "/languages/en"):
        html = page(client, path)
        doc = Elements(html)
        for tag, attrs in doc.elements:
            assert not any(name.startswith("on") for name in attrs), (path, tag, attrs)
            assert tag not in ("iframe", "object", "embed", "svg", "math", "base"), (path, tag)
            assert not (tag == "meta" and "http-equiv" in attrs), (path, attrs)
            if tag == "form":
                assert (attrs.get("action") or "").startswith("/"), "only the site's own forms"
            if tag == "script":
                assert (attrs.get("src") or "").startswith("/static/"), (path, attrs)
        assert all(not text.strip() for text in doc.scripts), "no inline script"
        assert not external_urls(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page(client, "/lessons/evil")


def test_no_page_refers_to_another_host(imported_app, make_library):
    import_into(imported_app, make_library(lessons(), library_id="synthetic"))
    client = imported_app.test_client()
    paths = ["/", "/subjects/math", "/grades/5", "/languages/kk", "/lessons/nope"]
    html = page(client, "/")
    paths += list(link_texts(html, "/subjects/")) + list(link_texts(html, "/grades/"))
    paths += [f"/lessons/{p.name}" for p in CONTENT.iterdir() if (p / "lesson.md").is_file()] + ["/lessons/alpha"]
    for path in paths:
        response = client.get(path, headers=EN)
        assert response.status_code in (200, 404), path
        assert not external_urls(response.get_data(as_text=True)), path


def test_every_starter_lesson_page_with_css_weighs_under_100_kb(imported_app):
    client = imported_app.test_client()
    for folder in sorted(p for p in CONTENT.iterdir() if (p / "lesson.md").is_file()):
        html = page(client, f"/lessons/{folder.name}")
        css = sum(len(fetch(client, link["href"])) for link in Elements(html).find("link")
                  if link.get("rel") == "stylesheet")
        weight = len(html.encode("utf-8")) + css
        assert weight < 100 * 1024, (folder.name, weight)


def test_every_starter_lesson_renders_with_its_attachments(imported_app):
    client = imported_app.test_client()
    for folder in sorted(p for p in CONTENT.iterdir() if (p / "lesson.md").is_file()):
        html = page(client, f"/lessons/{folder.name}")
        urls = {v for _, attrs in Elements(html).elements for k, v in attrs.items() if k in ("src", "href") and v}
        for media in folder.iterdir():
            if media.name != "lesson.md":
                assert f"/objects/{sha(media.read_bytes())}" in urls, (folder.name, media.name)


# --- page ETags and the cache -----------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/", "/lessons/alpha", "/subjects/math", "/grades/5", "/languages/kk"])
def test_pages_have_an_etag_and_answer_304_when_unchanged(browse, path):
    first = browse.get(path, headers=EN)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag
    again = browse.get(path, headers={**EN, "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    other = browse.get(path, headers={**EN, "If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.get_data() == first.get_data()


def test_page_etag_differs_by_ui_language(browse):
    english = browse.get("/", headers={"Accept-Language": "en"})
    russian = browse.get("/", headers={"Accept-Language": "ru"})
    assert english.headers["ETag"] != russian.headers["ETag"] or english.get_data() == russian.get_data()
    assert "Accept-Language" in english.headers.get("Vary", "")


def test_importing_a_newer_version_shows_the_new_title_at_once(library_app, make_library):
    client = library_app.test_client()
    first = client.get("/lessons/alpha", headers=EN)
    assert "Alpha lesson" in first.get_data(as_text=True)
    import_into(library_app, make_library(lessons(title="Alpha, second edition") + ["delta"], version=2))
    second = client.get("/lessons/alpha", headers={**EN, "If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and "Alpha, second edition" in second.get_data(as_text=True)
    assert second.headers["ETag"] != first.headers["ETag"]
    assert "4 lessons" in page(client, "/")


def test_an_import_by_another_process_is_noticed_by_the_running_app(make_app, make_library, data_dir):
    app = make_app(LIBRARY_CHECK_SECONDS=0.0)
    import_into(app, make_library(lessons()))
    client = app.test_client()
    assert "Alpha lesson" in page(client, "/lessons/alpha")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    done = subprocess.run([str(VENV_BIN / "contentserver"), "import", "--data", str(data_dir),
                           str(make_library(lessons(title="Changed elsewhere"), version=2))],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Changed elsewhere" in page(client, "/lessons/alpha")


# --- objects ----------------------------------------------------------------------------------------------

def test_object_is_served_whole_with_etag_and_immutable_caching(browse):
    response = browse.get(f"/objects/{MP4_SHA}")
    assert response.status_code == 200 and response.get_data() == FAKE_MP4
    assert response.mimetype == "video/mp4"
    assert response.headers["ETag"] == f'"{MP4_SHA}"'
    cache = response.headers["Cache-Control"]
    assert "immutable" in cache and "max-age=31536000" in cache
    assert response.headers["Accept-Ranges"] == "bytes"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()


@pytest.mark.parametrize("data, media_type", [(PDF, "application/pdf"), (PNG, "image/png"), (VTT, "text/vtt")])
def test_objects_carry_the_media_type_their_lesson_declared(browse, data, media_type):
    response = browse.get(f"/objects/{sha(data)}")
    assert response.status_code == 200 and response.mimetype == media_type and response.get_data() == data
    response.close()


@pytest.mark.parametrize("range_header, start, end", [
    ("bytes=0-99", 0, 99), ("bytes=100-", 100, 2047), ("bytes=-48", 2000, 2047), ("bytes=2047-2047", 2047, 2047),
    ("bytes=1000-999999", 1000, 2047),
])
def test_range_request_gets_206_with_the_right_bytes_and_content_range(browse, range_header, start, end):
    response = browse.get(f"/objects/{MP4_SHA}", headers={"Range": range_header})
    assert response.status_code == 206
    assert response.headers["Content-Range"] == f"bytes {start}-{end}/2048"
    assert response.get_data() == FAKE_MP4[start:end + 1]
    assert int(response.headers["Content-Length"]) == end - start + 1
    response.close()


@pytest.mark.parametrize("range_header", ["bytes=2048-", "bytes=5000-6000", "bytes=-0"])
def test_unsatisfiable_range_gets_416_with_the_size(browse, range_header):
    response = browse.get(f"/objects/{MP4_SHA}", headers={"Range": range_header})
    assert response.status_code == 416
    assert response.headers["Content-Range"] == "bytes */2048"
    response.close()


def test_malformed_range_is_refused_with_416(browse):
    response = browse.get(f"/objects/{MP4_SHA}", headers={"Range": "bytes=abc"})
    assert response.status_code == 416 and response.headers.get("Content-Range") == "bytes */2048"
    response.close()


def test_if_range_with_the_current_etag_resumes_and_with_another_sends_everything(browse):
    same = browse.get(f"/objects/{MP4_SHA}", headers={"Range": "bytes=10-19", "If-Range": f'"{MP4_SHA}"'})
    assert same.status_code == 206 and same.get_data() == FAKE_MP4[10:20]
    other = browse.get(f"/objects/{MP4_SHA}", headers={"Range": "bytes=10-19", "If-Range": '"old"'})
    assert other.status_code == 200 and other.get_data() == FAKE_MP4
    same.close()
    other.close()


def test_object_answers_304_to_its_etag(browse):
    response = browse.get(f"/objects/{MP4_SHA}", headers={"If-None-Match": f'"{MP4_SHA}"'})
    assert response.status_code == 304 and response.get_data() == b""
    response.close()


@pytest.mark.parametrize("name", ["0" * 64, MP4_SHA.upper(), MP4_SHA[:-1], MP4_SHA + "0", "xyz",
                                  "..%2F..%2Fetc%2Fpasswd", MP4_SHA + "%0A", MP4_SHA + ".mp4"])
def test_unknown_or_invalid_object_hash_is_404(browse, name):
    response = browse.get(f"/objects/{name}", headers=EN)
    assert response.status_code == 404 and "Page not found" in response.get_data(as_text=True)


def test_object_not_used_by_any_visible_lesson_is_404(library_app, browse):
    orphan = library_app.extensions["object_store"].put_bytes(b"not part of any lesson")
    assert browse.get(f"/objects/{orphan}").status_code == 404


# --- the error pages, the language switch -----------------------------------------------------------------

@pytest.fixture
def failing_app(make_app):
    from contentserver.errors import PayloadTooLarge

    app = make_app()

    @app.get("/test-boom")
    def boom():
        raise RuntimeError("secret internals")

    @app.get("/test-too-large")
    def too_large():
        raise PayloadTooLarge()
    return app


def test_unexpected_error_gets_a_friendly_500_page_without_internals(failing_app):
    response = failing_app.test_client().get("/test-boom", headers=EN)
    html = response.get_data(as_text=True)
    assert response.status_code == 500 and response.mimetype == "text/html"
    assert "Something went wrong" in html and "secret internals" not in html and "Traceback" not in html


def test_too_large_gets_a_friendly_413_page(failing_app):
    response = failing_app.test_client().get("/test-too-large", headers=EN)
    assert response.status_code == 413 and "File too large" in response.get_data(as_text=True)


@pytest.mark.parametrize("target, expected", [
    ("/lessons/alpha", "/lessons/alpha"), ("https://evil.example/", "/"), ("//evil.example/", "/"),
    ("/\\evil.example/", "/"), ("", "/"),
])
def test_language_switch_goes_back_only_to_a_page_of_this_box(browse, target, expected):
    response = browse.get("/ui-language/ru", query_string={"next": target})
    assert response.status_code == 303 and response.headers["Location"] == expected
    assert "lang=ru" in response.headers["Set-Cookie"]


def test_language_switch_to_an_unknown_language_is_404(browse):
    assert browse.get("/ui-language/xx").status_code == 404
