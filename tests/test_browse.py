"""Browsing with the test client: home, lists, lesson pages, page ETags and the cache, error pages."""

from __future__ import annotations

import os
import subprocess

import pytest
from conftest import (
    CONTENT,
    EN,
    MP4_SHA,
    PDF,
    PNG,
    VENV_BIN,
    VTT,
    Elements,
    external_urls,
    import_into,
    lesson_spec,
    sample_lessons,
    sha,
    xss_vectors,
)


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


def test_home_shows_subjects_grades_and_languages_with_counts(sample_client):
    html = page(sample_client, "/")
    assert link_texts(html, "/subjects/") == {"/subjects/math": "Mathematics 2", "/subjects/science": "Science 1"}
    assert link_texts(html, "/grades/") == {"/grades/5": "Grade 5 2", "/grades/7": "Grade 7 1"}
    assert link_texts(html, "/languages/") == {
        "/languages/en": "English 1",
        "/languages/kk": "Қазақша 1",
        "/languages/ru": "Русский 1",
    }
    assert "3 lessons" in html


def test_home_of_an_empty_library_says_so(client):
    html = page(client, "/")
    assert "The library is empty" in html and not link_texts(html, "/subjects/")


@pytest.mark.parametrize(
    "path, expected",
    [
        ("/subjects/math", {"beta", "gamma"}),
        ("/subjects/science", {"alpha"}),
        ("/subjects/history", set()),
        ("/grades/5", {"alpha", "beta"}),
        ("/grades/7", {"gamma"}),
        ("/grades/12", set()),
        ("/languages/kk", {"gamma"}),
        ("/languages/ru", {"beta"}),
        ("/languages/en", {"alpha"}),
    ],
)
def test_list_pages_show_the_matching_lessons(sample_client, path, expected):
    assert lesson_links(page(sample_client, path)) == expected


@pytest.mark.parametrize(
    "path",
    [
        "/languages/de",
        "/grades/x",
        "/grades/0",
        "/grades/13",
        "/grades/" + "9" * 30,
        "/subjects/math?page=2",
        "/lessons/nope",
        "/lessons/ALPHA",
        "/nothing/here",
    ],
)
def test_unknown_pages_get_a_friendly_404_page(sample_client, path):
    response = sample_client.get(path, headers=EN)
    assert response.status_code == 404 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "Page not found" in html and 'href="/"' in html and "Traceback" not in html


def test_errors_under_api_are_json(sample_client):
    response = sample_client.get("/api/lessons/nope")
    assert response.status_code == 404 and response.is_json
    assert response.get_json()["error"]["status"] == 404


def test_clients_asking_for_json_get_json_errors(sample_client):
    response = sample_client.get("/lessons/nope", headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.get_json()["error"]["status"] == 404


def test_lesson_page_renders_markdown_table_list_and_title(sample_client):
    html = page(sample_client, "/lessons/alpha")
    assert "<title>Alpha lesson" in html and "<h1>Alpha lesson</h1>" in html
    assert "<td>km</td>" in html and "<li>second point</li>" in html


def test_lesson_page_shows_video_with_subtitle_tracks(sample_client):
    doc = Elements(page(sample_client, "/lessons/alpha"))
    (video,) = doc.find("video")
    assert "controls" in video
    assert doc.find("source") == [{"src": f"/objects/{MP4_SHA}", "type": "video/mp4"}]
    tracks = {t["srclang"]: t for t in doc.find("track")}
    assert set(tracks) == {"en", "ru"}
    assert tracks["en"]["src"] == f"/objects/{sha(VTT)}" and tracks["en"]["kind"] == "subtitles"
    assert "default" in tracks["en"] and "default" not in tracks["ru"]


def test_lesson_page_links_the_pdf_and_shows_images_from_the_object_store(sample_client):
    doc = Elements(page(sample_client, "/lessons/alpha"))
    assert f"/objects/{sha(PDF)}" in {a.get("href") for a in doc.find("a")}
    assert f"/objects/{sha(PNG)}" in {img.get("src") for img in doc.find("img")}


def test_lesson_page_offers_unreferenced_attachments_for_download(sample_client):
    doc = Elements(page(sample_client, "/lessons/alpha"))
    downloads = {a["download"]: a["href"] for a in doc.find("a") if a.get("download")}
    assert downloads.get("clip.mp4") == f"/objects/{MP4_SHA}"


def test_pages_are_readable_on_a_narrow_phone(sample_client):
    doc = Elements(page(sample_client, "/lessons/alpha"))
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
            ours = path == "/" and tag == "svg" and attrs.get("class") == "share-qr"  # the server's QR (views/share.py)
            assert ours or tag not in ("iframe", "object", "embed", "svg", "math", "base"), (path, tag)
            assert not (tag == "meta" and "http-equiv" in attrs), (path, attrs)
            if tag == "form":
                assert (attrs.get("action") or "").startswith("/"), "only the site's own forms"
            if tag == "script":
                assert (attrs.get("src") or "").startswith("/static/"), (path, attrs)
        assert all(not text.strip() for text in doc.scripts), "no inline script"
        assert not external_urls(html)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page(client, "/lessons/evil")


def test_no_page_refers_to_another_host(imported_app, make_library):
    import_into(imported_app, make_library(sample_lessons(), library_id="synthetic"))
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
        css = sum(
            len(fetch(client, link["href"])) for link in Elements(html).find("link") if link.get("rel") == "stylesheet"
        )
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
def test_pages_have_an_etag_and_answer_304_when_unchanged(sample_client, path):
    first = sample_client.get(path, headers=EN)
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag
    again = sample_client.get(path, headers={**EN, "If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    other = sample_client.get(path, headers={**EN, "If-None-Match": '"something-else"'})
    assert other.status_code == 200 and other.get_data() == first.get_data()


def test_page_etag_differs_by_ui_language(sample_client):
    english = sample_client.get("/", headers={"Accept-Language": "en"})
    russian = sample_client.get("/", headers={"Accept-Language": "ru"})
    assert english.headers["ETag"] != russian.headers["ETag"] or english.get_data() == russian.get_data()
    assert "Accept-Language" in english.headers.get("Vary", "")


def test_importing_a_newer_version_shows_the_new_title_at_once(sample_app, make_library):
    client = sample_app.test_client()
    first = client.get("/lessons/alpha", headers=EN)
    assert "Alpha lesson" in first.get_data(as_text=True)
    import_into(sample_app, make_library(sample_lessons(title="Alpha, second edition") + ["delta"], version=2))
    second = client.get("/lessons/alpha", headers={**EN, "If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and "Alpha, second edition" in second.get_data(as_text=True)
    assert second.headers["ETag"] != first.headers["ETag"]
    assert "4 lessons" in page(client, "/")


def test_an_import_by_another_process_is_noticed_by_the_running_app(make_app, make_library, data_dir):
    app = make_app(LIBRARY_CHECK_SECONDS=0.0)
    import_into(app, make_library(sample_lessons()))
    client = app.test_client()
    assert "Alpha lesson" in page(client, "/lessons/alpha")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    done = subprocess.run(
        [
            str(VENV_BIN / "contentserver"),
            "import",
            "--data",
            str(data_dir),
            str(make_library(sample_lessons(title="Changed elsewhere"), version=2)),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "Changed elsewhere" in page(client, "/lessons/alpha")


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


@pytest.mark.parametrize(
    "target, expected",
    [
        ("/lessons/alpha", "/lessons/alpha"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example/", "/"),
        ("", "/"),
    ],
)
def test_language_switch_goes_back_only_to_a_page_of_this_box(sample_client, target, expected):
    response = sample_client.get("/ui-language/ru", query_string={"next": target})
    assert response.status_code == 303 and response.headers["Location"] == expected
    assert "lang=ru" in response.headers["Set-Cookie"]


def test_language_switch_to_an_unknown_language_is_404(sample_client):
    assert sample_client.get("/ui-language/xx").status_code == 404
