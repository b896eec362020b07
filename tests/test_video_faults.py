"""Issue 22's faults, for real: the server (run.py under waitress) killed while ffmpeg converts, and the disk
filling during a conversion. The queue picks the job up again; nothing is left half-written; the original
stays served."""

from __future__ import annotations

import hashlib
import os
import signal
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest
from conftest import eventually, import_into, lesson_spec
from video_support import make_clip

from contentserver.db import db
from contentserver.models import VideoJob
from contentserver.video import queue, worker


def _job_row(data_dir: Path, sha: str) -> tuple | None:
    with sqlite3.connect(data_dir / "library.sqlite", timeout=10) as conn:
        return conn.execute("SELECT state, attempts, error FROM video_jobs WHERE sha256 = ?", (sha,)).fetchone()


def _ffmpeg_writing(path: Path) -> list[int]:
    """Pids of processes whose command line names `path` (an ffmpeg writing it)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if str(path).encode() in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:
                continue
    return pids


@pytest.mark.slow
def test_a_server_killed_mid_transcode_takes_the_job_up_again_at_restart(
    make_app, make_library, start_server, data_dir, tmp_path
):
    video = make_clip(tmp_path / "long.mp4", 1920, 1080, 12, fps=30)
    sha = hashlib.sha256(video).hexdigest()
    app = make_app()
    import_into(app, make_library([lesson_spec("film", attachments={"film.mp4": video})]))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    leftover = data_dir / "staging" / f"video-{sha}-low.tmp"

    server = start_server(data_dir=data_dir, starter="")
    assert eventually(lambda: leftover.exists() and leftover.stat().st_size > 0, 120), server.output()
    assert _job_row(data_dir, sha)[0] == "running"
    assert _ffmpeg_writing(leftover), "ffmpeg converts in a child of the server"
    server.proc.send_signal(signal.SIGKILL)
    server.proc.wait()
    assert eventually(lambda: not _ffmpeg_writing(leftover), 10), "ffmpeg dies with the server (no orphan writer)"
    assert leftover.exists(), "the kill left a partial file"

    again = start_server(data_dir=data_dir, starter="")
    assert eventually(lambda: _job_row(data_dir, sha)[0] == "done", 300), again.output()
    assert _job_row(data_dir, sha)[1] == 2, "the second attempt finished it"
    assert not list((data_dir / "staging").glob("video-*")), "no stray files"
    status, _headers, body = again.get("/lessons/film")
    assert status == 200


@pytest.fixture
def small_staging(data_dir):
    """small_staging() puts the data folder's staging (where ffmpeg writes) on an 8 MiB tmpfs, for this test only."""
    if os.geteuid() != 0:
        pytest.skip("needs root to mount a tmpfs")
    staging = data_dir / "staging"
    mounted = []

    def mount() -> Path:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(staging)], check=True)
        mounted.append(staging)
        return staging

    yield mount
    for path in mounted:
        if subprocess.run(["umount", str(path)], capture_output=True).returncode:
            subprocess.run(["umount", "--lazy", str(path)], check=True)


def test_a_disk_that_fills_during_the_transcode_fails_the_job_cleanly(make_app, make_library, small_staging, tmp_path):
    app = make_app(DISK_RESERVE_BYTES=1)
    video = make_clip(tmp_path / "hd.mp4", 1280, 720, 6)
    sha = hashlib.sha256(video).hexdigest()
    import_into(app, make_library([lesson_spec("film", attachments={"film.mp4": video})]))
    staging = small_staging()
    with app.app_context():
        queue.enqueue(sha)
    processes: list = []
    run = threading.Thread(target=worker.run_once, args=(app, processes))
    run.start()
    assert eventually(lambda: bool(processes), 60), "the transcode started"
    filler = staging / "filler"
    free = os.statvfs(staging).f_bavail * os.statvfs(staging).f_frsize
    with open(filler, "wb") as out:
        os.posix_fallocate(out.fileno(), 0, free)  # another writer takes the rest of the disk meanwhile
    run.join(120)
    with app.app_context():
        job = db.session.get(VideoJob, sha)
        assert job is not None and (job.state, job.error) == ("failed", "disk_full")
    assert sorted(p.name for p in staging.iterdir()) == ["filler"], "ffmpeg's partial output is removed"
    with app.test_client().get(f"/objects/{sha}") as reply:
        assert reply.status_code == 200 and reply.data == video, "the original stays served"
    filler.unlink()


def test_the_disk_reserve_refuses_a_transcode_before_it_starts(make_app, make_library, tmp_path):
    app = make_app(DISK_RESERVE_BYTES=2**62)  # more than any disk has free
    video = make_clip(tmp_path / "hd.mp4", 1280, 720, 4)
    sha = hashlib.sha256(video).hexdigest()
    import_into(app, make_library([lesson_spec("film", attachments={"film.mp4": video})]))
    with app.app_context():
        queue.enqueue(sha)
    processes: list = []
    worker.run_once(app, processes)
    with app.app_context():
        job = db.session.get(VideoJob, sha)
        assert job is not None and (job.state, job.error) == ("failed", "disk_full")
        assert job.duration and job.duration > 3, "probed (cheap), but not converted"
