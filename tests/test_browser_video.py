"""Issue 22 in a real browser (Chromium, JavaScript off for the page's own part): a phone-size screen picks the low
copy, a wide screen the original, and nothing of the video is fetched before play (preload none, a poster)."""

from __future__ import annotations

import hashlib

import pytest
from browser_support import browser, new_page, wait_until
from conftest import import_into, lesson_spec
from video_support import make_clip

from contentserver.db import db
from contentserver.models import VideoRendition
from contentserver.video import queue, worker

pytestmark = pytest.mark.browser


@pytest.fixture
def site(make_app, make_library, start_server, data_dir, tmp_path):
    video = make_clip(tmp_path / "film.mp4", 1280, 720, 4)
    sha = hashlib.sha256(video).hexdigest()
    app = make_app()
    import_into(
        app, make_library([lesson_spec("film", body="# Film\n\n![film](film.mp4)\n", attachments={"film.mp4": video})])
    )
    with app.app_context():
        queue.enqueue(sha)
    assert worker.run_once(app)
    with app.app_context():
        low = db.session.get(VideoRendition, (sha, "low"))
        assert low is not None
        copies = {"original": sha, "low": low.rendition_sha256}
        db.session.remove()
        db.engine.dispose()
    return start_server(data_dir=data_dir, starter=""), copies


def _chosen(page) -> str:
    return page.evaluate("() => document.querySelector('video').currentSrc").rsplit("/", 1)[-1]


@pytest.mark.parametrize(("width", "expected"), [(360, "low"), (1280, "original")])
def test_the_screen_size_picks_the_rendition(site, new_page, width, expected):
    server, copies = site
    page = new_page(viewport={"width": width, "height": 800})
    fetched = []
    page.on("request", lambda request: fetched.append(request.url))
    page.goto(server.url + "/lessons/film")
    wait_until(page, "() => document.querySelector('video').currentSrc !== ''")
    assert _chosen(page) == copies[expected]
    poster = page.evaluate("() => document.querySelector('video').poster")
    assert "/objects/" in poster
    assert not [url for url in fetched if copies["original"] in url or copies["low"] in url], "nothing before play"
