"""Issue 22: every video gets a low rendition, a poster and its duration from real ffmpeg; bad files are refused
with their reason before ffmpeg allocates anything, and the original is always kept and served."""

from __future__ import annotations

import hashlib
import threading

import pytest
from conftest import eventually, import_into, lesson_spec
from video_support import absurd_duration, absurd_picture, make_clip, moov_first, probe_streams

from contentserver.db import db
from contentserver.models import VideoJob, VideoRendition
from contentserver.video import queue, worker
from contentserver.video.messages import failure_message
from contentserver.video.probe import VideoRefused, probe


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clips")
    return {
        "hd": make_clip(folder / "hd.mp4", 1280, 720, 4),
        "small": make_clip(folder / "small.mp4", 320, 240, 2, bitrate="300k"),
        "mjpeg": make_clip(folder / "mj.mp4", 64, 64, 1, fps=5, codec="mjpeg"),
    }


def _install(app, make_library, video: bytes) -> str:
    body = "# Film\n\n![film](film.mp4)\n"
    import_into(app, make_library([lesson_spec("film", body=body, attachments={"film.mp4": video})]))
    return hashlib.sha256(video).hexdigest()


def _job(app, sha: str) -> VideoJob:
    with app.app_context():
        job = db.session.get(VideoJob, sha)
        assert job is not None
        db.session.expunge(job)
        return job


def _renditions(app, sha: str) -> dict[str, VideoRendition]:
    with app.app_context():
        rows = {r.kind: r for r in db.session.query(VideoRendition).filter_by(sha256=sha)}
        for row in rows.values():
            db.session.expunge(row)
        return rows


def test_an_imported_video_gets_a_low_rendition_poster_and_duration(app, make_library, clips):
    sha = _install(app, make_library, clips["hd"])
    with app.app_context():
        assert queue.enqueue_missing() == 1, "the import's video is found and queued"
        assert queue.enqueue_missing() == 0, "once"
    assert worker.run_once(app) is True
    assert worker.run_once(app) is False, "the queue is empty"
    job = _job(app, sha)
    assert (job.state, job.progress, job.error) == ("done", 1.0, None)
    assert abs(job.duration - 4.0) < 0.2 and (job.width, job.height) == (1280, 720)
    rows = _renditions(app, sha)
    store = app.extensions["object_store"]
    low = store.path(rows["low"].rendition_sha256)
    assert rows["low"].rendition_sha256 != sha and rows["low"].size == low.stat().st_size < len(clips["hd"]) / 4
    facts = probe_streams(low)
    assert facts["video.codec_name"] == "h264" and facts["video.profile"] == "Main", facts
    assert (facts["video.width"], facts["video.height"]) == ("640", "360")
    assert int(facts["video.level"]) <= 31 and facts["audio.codec_name"] == "aac"
    assert moov_first(low.read_bytes()), "faststart: plays while it downloads"
    poster = store.path(rows["poster"].rendition_sha256).read_bytes()
    assert poster.startswith(b"\xff\xd8\xff") and (rows["poster"].width, rows["poster"].height) == (640, 360)
    assert store.has(sha), "the original is kept"
    assert not list(store.staging.glob("video-*")), "nothing left in staging"

    client = app.test_client()
    with client.get(f"/objects/{rows['low'].rendition_sha256}") as reply:
        assert reply.status_code == 200 and reply.mimetype == "video/mp4", "served while its original is visible"
        assert "film-360p.mp4" in reply.headers["Content-Disposition"]
    with client.get(f"/objects/{rows['poster'].rendition_sha256}") as reply:
        assert reply.mimetype == "image/jpeg"


def test_a_small_phone_ready_original_is_its_own_low_rendition(app, make_library, clips):
    sha = _install(app, make_library, clips["small"])
    with app.app_context():
        queue.enqueue(sha)
    worker.run_once(app)
    rows = _renditions(app, sha)
    assert rows["low"].rendition_sha256 == sha, "no second copy of a file old phones already play"
    assert "poster" in rows


def test_the_queue_survives_a_restart_and_takes_up_what_a_kill_interrupted(make_app, make_library, clips):
    app = make_app()
    sha = _install(app, make_library, clips["hd"])
    with app.app_context():
        queue.enqueue(sha)
        job = queue.claim()
        assert job is not None and job.state == "running"
    leftover = app.extensions["object_store"].staging / f"video-{sha}-low.tmp"
    leftover.write_bytes(b"half a file")  # what ffmpeg had written when the server was killed
    again = make_app()  # the next start over the same data folder
    worker.start_video_worker(again)
    assert not leftover.exists(), "the kill's leftover is removed at start"
    assert eventually(lambda: _job(again, sha).state == "done", 120)
    assert _job(again, sha).attempts == 2


def test_ffmpeg_killed_mid_job_queues_it_again_and_leaves_nothing(app, make_library, clips):
    sha = _install(app, make_library, clips["hd"])
    with app.app_context():
        queue.enqueue(sha)
    processes: list = []
    done = threading.Thread(target=worker.run_once, args=(app, processes))
    done.start()
    assert eventually(lambda: bool(processes), 60), "the transcode started"
    processes[0].kill()
    done.join(60)
    job = _job(app, sha)
    assert job.state == "queued" and job.attempts == 1, "killed from outside: tried again"
    assert not list(app.extensions["object_store"].staging.glob("video-*"))
    assert "low" not in _renditions(app, sha)
    assert worker.run_once(app) and _job(app, sha).state == "done"


@pytest.mark.parametrize(
    ("make", "code"),
    [
        (lambda c: b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"not a video at all" * 100, "not_video"),
        (lambda c: c["hd"][: len(c["hd"]) // 2], "truncated"),
        (lambda c: absurd_picture(c["mjpeg"], 30000, 30000), "too_big"),
        (lambda c: absurd_picture(c["mjpeg"], 16000, 16000), "too_big"),
        (lambda c: absurd_duration(c["small"], 1000), "too_long"),
    ],
    ids=["not-a-video", "truncated", "30000x30000", "16000x16000", "1000-hours"],
)
def test_bad_files_fail_with_their_reason_and_the_original_stays_served(app, make_library, clips, make, code):
    bad = make(clips)
    sha = _install(app, make_library, bad)
    with app.app_context():
        queue.enqueue(sha)
    worker.run_once(app)
    job = _job(app, sha)
    assert (job.state, job.error) == ("failed", code), job.error_detail
    assert not _renditions(app, sha)
    with app.test_client().get(f"/objects/{sha}") as reply:
        assert reply.data == bad, "the original stays served"
    with app.test_request_context(headers={"Accept-Language": "en"}):
        message = failure_message(job.error, job.error_detail)
    assert message and "failed" not in message[:20], message
    if code == "too_big":
        assert job.error_detail and "000×" in job.error_detail, "the message names the picture size"


def test_probe_refuses_a_bomb_before_decoding_a_frame(tmp_path, clips):
    bomb = tmp_path / "bomb.mp4"
    bomb.write_bytes(absurd_picture(clips["mjpeg"], 16000, 16000))
    with pytest.raises(VideoRefused) as refused:
        probe(bomb, max_pixels=8192 * 4320, max_seconds=3600)
    assert refused.value.code == "too_big" and refused.value.detail == "16000×16000"
    fine = tmp_path / "fine.mp4"
    fine.write_bytes(clips["small"])
    assert probe(fine, max_pixels=8192 * 4320, max_seconds=3600).height == 240
    with pytest.raises(VideoRefused, match="too_long"):
        probe(fine, max_pixels=8192 * 4320, max_seconds=1)


def test_a_kolibri_video_with_its_own_low_file_is_never_transcoded(app, make_library, clips):
    from contentserver.video.renditions import adopt_low, needs_transcode

    assert needs_transcode(["high_res_video"]) and not needs_transcode(["high_res_video", "low_res_video"])
    sha = _install(app, make_library, clips["hd"])  # stands for the channel's high_res_video
    low_sha = hashlib.sha256(clips["small"]).hexdigest()
    with app.app_context():
        adopt_low(sha, low_sha, len(clips["small"]), 320, 240)
        assert queue.enqueue(sha) is False and queue.enqueue_missing() == 0
    assert worker.run_once(app) is False, "nothing to convert"
    assert _renditions(app, sha)["low"].rendition_sha256 == low_sha
    assert _job(app, sha).state == "done"
