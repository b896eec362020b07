"""The server's transcode worker: VIDEO_JOBS threads, each taking the next queued video, probing it, making its
poster and low rendition in staging with ffmpeg, and moving them into the object store, the rows in one commit."""

from __future__ import annotations

import errno
import logging
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from ..db import db
from ..library.objects import ObjectStore, sha256_file
from ..library.store import bump_data_version
from ..models import VideoJob, utcnow
from . import queue, renditions, transcode
from .probe import VideoInfo, VideoRefused, probe

log = logging.getLogger(__name__)
IDLE_SECONDS = 60.0  # how often an idle worker looks for videos an import or a pull brought in
PROGRESS_SECONDS = 2.0  # how often a running job writes its progress
STAGING_PREFIX = "video-"
_wakeup = threading.Event()


def wake() -> None:
    """Start a queued job now rather than at the next look (a teacher just uploaded a video)."""
    _wakeup.set()


def _staged(store: ObjectStore, sha256: str, kind: str) -> Path:
    """A fixed name per job and kind, so a run after a kill writes over (and start-up removes) what it left."""
    return store.staging / f"{STAGING_PREFIX}{sha256}-{kind}.tmp"


def remove_leftovers(store: ObjectStore) -> int:
    """Partial outputs of jobs a killed server left in staging."""
    found = list(store.staging.glob(f"{STAGING_PREFIX}*.tmp"))
    for path in found:
        path.unlink(missing_ok=True)
    return len(found)


def _adopt(store: ObjectStore, path: Path) -> tuple[str, int]:
    """Move a finished output into the store under its hash, durably; (sha256, size)."""
    with open(path, "rb") as out:
        os.fsync(out.fileno())
    sha, size = sha256_file(path), path.stat().st_size
    store.adopt(path, sha)
    return sha, size


def _check_space(store: ObjectStore, info: VideoInfo, reserve: int) -> None:
    """Refuse before starting when the rendition (at its worst-case bitrate) would eat into the disk reserve."""
    worst = (transcode.MAXRATE_KBIT + transcode.AUDIO_KBIT) * 1000 * info.duration / 8 * 1.1 + 1024**2
    if shutil.disk_usage(store.staging).free - worst < reserve:
        raise VideoRefused("disk_full")


def convert(app: Flask, job: VideoJob, processes: list[subprocess.Popen] | None = None) -> None:
    """Do one claimed job to its end: done with rows and objects, failed with a code, or queued again when its
    ffmpeg was killed from outside. Nothing is ever left in staging; the original is never touched."""
    store: ObjectStore = app.extensions["object_store"]
    poster, low = _staged(store, job.sha256, "poster"), _staged(store, job.sha256, "low")
    last = [0.0]

    def progress(fraction: float) -> None:
        if time.monotonic() - last[0] >= PROGRESS_SECONDS:
            last[0] = time.monotonic()
            queue.set_progress(job, fraction)

    try:
        _make(app, job, poster, low, progress, processes)
        return
    except transcode.Interrupted:
        outcome = ("queued", "", "")  # killed from outside (OOM, an admin): tried again, and counted
    except VideoRefused as refused:
        outcome = ("failed", refused.code, refused.detail)
    except OSError as exc:
        full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
        outcome = ("failed", "disk_full" if full else "failed", "" if full else str(exc))
    finally:
        poster.unlink(missing_ok=True)  # first: on a full disk, what they held is what the commit needs
        low.unlink(missing_ok=True)
    db.session.rollback()
    if outcome[0] == "queued":
        job.state, job.progress = "queued", 0.0
        db.session.commit()
    else:
        queue.fail(job, outcome[1], outcome[2])


def _make(
    app: Flask,
    job: VideoJob,
    poster: Path,
    low: Path,
    progress: Callable[[float], None],
    processes: list[subprocess.Popen] | None,
) -> None:
    """Probe, poster, low rendition; then the objects into the store and the rows in one commit."""
    store: ObjectStore = app.extensions["object_store"]
    config = app.config
    source = store.path(job.sha256)
    if not source.is_file():
        raise VideoRefused("missing")
    info = probe(source, config["VIDEO_MAX_PIXELS"], config["VIDEO_MAX_SECONDS"])
    job.duration, job.width, job.height = info.duration, info.width, info.height
    db.session.commit()
    _check_space(store, info, config["DISK_RESERVE_BYTES"])
    transcode.make_poster(source, poster, info, config["VIDEO_MAX_PIXELS"])
    if transcode.original_will_do(info, source.stat().st_size):
        low_sha, low_size, low_w, low_h = job.sha256, source.stat().st_size, info.width, info.height
    else:
        transcode.make_low(source, low, info, config["VIDEO_MAX_PIXELS"], progress, processes)
        low_info = probe(low, config["VIDEO_MAX_PIXELS"], config["VIDEO_MAX_SECONDS"] + 2)
        low_sha, low_size = _adopt(store, low)
        low_w, low_h = low_info.width, low_info.height
    poster_sha, poster_size = _adopt(store, poster)
    renditions.record(job.sha256, "low", low_sha, low_size, low_w, low_h)
    renditions.record(job.sha256, "poster", poster_sha, poster_size, low_w, low_h)
    job.state, job.progress, job.error, job.error_detail, job.finished_at = "done", 1.0, None, None, utcnow()
    bump_data_version()  # lesson pages cached with the original alone are made again
    db.session.commit()


def run_once(app: Flask, processes: list[subprocess.Popen] | None = None) -> bool:
    """Claim and convert one job; False when the queue is empty."""
    with app.app_context():
        try:
            job = queue.claim()
            if job is None:
                return False
            log.info("converting video %s", job.sha256)
            convert(app, job, processes)
            return True
        finally:
            db.session.remove()


def start_video_worker(app: Flask) -> list[threading.Thread]:
    """At server start: requeue what a kill interrupted, drop its leftovers, queue videos no job knows, then
    VIDEO_JOBS threads convert until the server stops (their ffmpeg dies with it)."""
    with app.app_context():
        queue.requeue_interrupted()
        remove_leftovers(app.extensions["object_store"])
        db.session.remove()

    def loop(scans: bool) -> None:
        while True:
            try:
                if scans:
                    with app.app_context():
                        queue.enqueue_missing()
                        db.session.remove()
                while run_once(app):
                    pass
            except Exception:  # a worker that stops would leave every later video unconverted
                log.exception("the video worker failed; it tries again in %d s", IDLE_SECONDS)
            _wakeup.wait(IDLE_SECONDS)
            _wakeup.clear()

    threads = [
        threading.Thread(target=loop, args=(n == 0,), name=f"video-worker-{n}", daemon=True)
        for n in range(app.config["VIDEO_JOBS"])
    ]
    for thread in threads:
        thread.start()
    return threads
