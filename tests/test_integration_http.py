"""run.py under real waitress on 127.0.0.1: first start imports content/, then pages and media over HTTP."""

from __future__ import annotations

import hashlib
import tomllib

import pytest
from conftest import CONTENT, Elements, external_urls


def lesson_with(suffix: str):
    """(lesson id, title, file) of the first starter lesson that has a file ending in `suffix`."""
    for folder in sorted(CONTENT.iterdir()):
        files = sorted(folder.glob(f"*{suffix}")) if folder.is_dir() else []
        if files:
            front = (folder / "lesson.md").read_text("utf-8").split("+++")[1]
            return folder.name, tomllib.loads(front)["title"], files[0]
    pytest.fail(f"content/ has no lesson with a {suffix} file")


def object_url(path) -> str:
    return "/objects/" + hashlib.sha256(path.read_bytes()).hexdigest()


def test_first_start_imports_content_and_serves_home_lesson_video_range_and_pdf(start_server):
    live_server = start_server(fresh=True)
    assert "imported starter library kz-starter" in live_server.output()
    headers = {"Accept-Language": "en"}

    status, head, body = live_server.get("/", headers)
    home = body.decode("utf-8")
    lesson_count = sum(1 for p in CONTENT.iterdir() if (p / "lesson.md").is_file())
    assert status == 200 and head.get_content_type() == "text/html"
    assert f"{lesson_count} lessons" in home and "/subjects/science" in home
    assert not external_urls(home)

    lesson_id, title, video = lesson_with(".mp4")
    status, head, body = live_server.get(f"/lessons/{lesson_id}", headers)
    page = body.decode("utf-8")
    assert status == 200 and title in page
    doc = Elements(page)
    assert doc.find("video") and object_url(video) in {s.get("src") for s in doc.find("source")}
    assert doc.find("track"), "the starter video has subtitles"

    size = video.stat().st_size
    status, head, body = live_server.get(object_url(video), {"Range": "bytes=1000-4999"})
    assert status == 206 and head["Content-Range"] == f"bytes 1000-4999/{size}"
    assert body == video.read_bytes()[1000:5000]
    assert head["Content-Type"] == "video/mp4" and "immutable" in head["Cache-Control"]

    status, head, _ = live_server.get(object_url(video), {"Range": f"bytes={size}-"})
    assert status == 416 and head["Content-Range"] == f"bytes */{size}"

    lesson_id, _, pdf = lesson_with(".pdf")
    _, _, body = live_server.get(f"/lessons/{lesson_id}", headers)
    assert object_url(pdf) in {a.get("href") for a in Elements(body.decode("utf-8")).find("a")}
    status, head, body = live_server.get(object_url(pdf))
    assert status == 200 and head["Content-Type"] == "application/pdf"
    assert body.startswith(b"%PDF") and body == pdf.read_bytes()


def test_server_writes_nothing_outside_its_data_folder(live_server, tmp_path):
    assert live_server.get("/")[0] == 200 and live_server.get("/lessons/nope")[0] == 404
    stray = [p.name for p in tmp_path.iterdir() if p != live_server.data_dir and not p.name.endswith(".log")]
    assert stray == [], "run.py ran in tmp_path and must write only under --data"


def test_pages_answer_304_and_unknown_lessons_404_over_http(live_server):
    status, head, _ = live_server.get("/")
    assert status == 200
    status, _, body = live_server.get("/", {"If-None-Match": head["ETag"]})
    assert status == 304 and body == b""
    status, head, body = live_server.get("/lessons/no-such-lesson", {"Accept-Language": "en"})
    assert status == 404 and head.get_content_type() == "text/html" and b"Page not found" in body


def test_restart_over_the_same_data_folder_does_not_import_again(start_server, tmp_path):
    first = start_server(data_dir=tmp_path / "data")
    assert "imported starter library" in first.output()
    first.proc.terminate()
    first.proc.wait(timeout=10)
    second = start_server(data_dir=tmp_path / "data")
    assert second.get("/")[0] == 200
    assert "imported starter library" not in second.output()


def test_server_without_a_starter_library_serves_an_empty_library(start_server):
    server = start_server(starter="")
    status, _, body = server.get("/", {"Accept-Language": "en"})
    assert status == 200 and b"The library is empty" in body
