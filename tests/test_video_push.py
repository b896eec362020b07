"""Issue 22 over the link: a teacher's video goes up to a real hub (run.py in hub mode) as its low copy by default,
as its original with PUSH_VIDEO_ORIGINALS, and a lesson whose copy is still being made waits for the next push."""

from __future__ import annotations

from push_helpers import hub_state, school_state, school_with_shared_lesson
from test_sync_push import Hub, execute, hub, push, register
from video_support import make_clip

from contentserver.db import db
from contentserver.models import PushedLesson, VideoRendition
from contentserver.video import queue, worker
from sync.errors import EXIT_OK


def _school_with_a_real_video(app, hub: Hub, tmp_path) -> tuple[str, int]:
    register(hub, school_with_shared_lesson(app, hub.url, 1000))
    video = make_clip(tmp_path / "clip.mp4", 1280, 720, 4)
    store = app.extensions["object_store"]
    with app.app_context():
        sha = store.put_bytes(video)
        db.session.remove()
    execute(app, "UPDATE attachments SET sha256 = :sha, size = :size", sha=sha, size=len(video))
    return sha, len(video)


def _pushed_files(hub: Hub) -> list[tuple[str, int]]:
    with hub.app.app_context():
        rows = list(db.session.scalars(db.select(PushedLesson)))
        files = [(a["sha256"], a["size"]) for row in rows for a in row.entry["attachments"]]
        db.session.remove()
    return files


def test_a_video_goes_up_as_its_low_copy_and_waits_while_it_is_made(hub, make_app, tmp_path):
    app = make_app()
    original, size = _school_with_a_real_video(app, hub, tmp_path)
    with app.app_context():
        queue.enqueue(original)
        db.session.remove()
    assert push(app) == EXIT_OK
    assert school_state(app)["shares"] == {"our-lesson": "queued"}, "still converting: not sent in full meanwhile"
    assert not hub_state(hub.app)["queue"]

    assert worker.run_once(app)
    with app.app_context():
        low = db.session.get(VideoRendition, (original, "low"))
        assert low is not None
        low_sha, low_size = low.rendition_sha256, low.size
        db.session.remove()
    assert push(app) == EXIT_OK
    assert school_state(app)["shares"] == {"our-lesson": "sent"}
    assert _pushed_files(hub) == [(low_sha, low_size)], "the hub got the low copy under the video's name"
    assert low_size < size / 4
    assert (hub.server.data_dir / "objects" / low_sha[:2] / low_sha[2:]).is_file()
    assert not (hub.server.data_dir / "objects" / original[:2] / original[2:]).exists(), "the original stayed home"


def test_push_video_originals_sends_the_original(hub, make_app, tmp_path):
    app = make_app(PUSH_VIDEO_ORIGINALS=True)
    original, size = _school_with_a_real_video(app, hub, tmp_path)
    with app.app_context():
        queue.enqueue(original)
        db.session.remove()
    assert push(app) == EXIT_OK, "nothing to wait for: the original is what goes"
    assert _pushed_files(hub) == [(original, size)]
