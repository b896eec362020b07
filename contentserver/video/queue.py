"""The transcode queue: one row a video (by its original's sha256) in the database, so it survives a restart;
claimed one at a time, oldest first, by the worker's threads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update

from ..db import db
from ..models import Attachment, VideoJob, utcnow

MAX_ATTEMPTS = 3  # a video that took the server down with it three times is not tried a fourth


def enqueue(sha256: str) -> bool:
    """Queue a video unless it already has a job (queued, done or failed); True if it was queued now. Commits."""
    if db.session.get(VideoJob, sha256) is not None:
        return False
    db.session.add(VideoJob(sha256=sha256, state="queued", queued_at=utcnow()))
    db.session.commit()
    return True


def enqueue_missing() -> int:
    """Queue every video attachment that has no job yet: what an import, a pull or a hub's review brought in."""
    known = select(VideoJob.sha256)
    videos = select(Attachment.sha256).where(Attachment.kind == "video", ~Attachment.sha256.in_(known))
    shas = set(db.session.scalars(videos))
    for sha in sorted(shas):
        db.session.add(VideoJob(sha256=sha, state="queued", queued_at=utcnow()))
    db.session.commit()
    return len(shas)


def requeue_interrupted() -> int:
    """At start: jobs a killed server left 'running' go back to the queue (their ffmpeg died with it)."""
    result = db.session.execute(
        update(VideoJob).where(VideoJob.state == "running").values(state="queued", progress=0.0)
    )
    db.session.commit()
    return result.rowcount  # type: ignore[attr-defined]


def claim() -> VideoJob | None:
    """Take the oldest queued job for this thread (another thread's claim of the same row wins, and this one
    tries the next); a job tried MAX_ATTEMPTS times already is failed instead."""
    while True:
        sha = db.session.scalar(
            select(VideoJob.sha256).where(VideoJob.state == "queued").order_by(VideoJob.queued_at).limit(1)
        )
        if sha is None:
            return None
        taken = db.session.execute(
            update(VideoJob)
            .where(VideoJob.sha256 == sha, VideoJob.state == "queued")
            .values(state="running", attempts=VideoJob.attempts + 1, progress=0.0)
        )
        db.session.commit()
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            continue
        job = db.session.get(VideoJob, sha)
        assert job is not None
        db.session.refresh(job)
        if job.attempts > MAX_ATTEMPTS:
            fail(job, "failed", f"stopped after {MAX_ATTEMPTS} tries")
            continue
        return job


def converting(sha256: str) -> bool:
    """Whether a video's copies are still to come (queued or running), so a push waits for its low one."""
    return db.session.scalar(select(VideoJob.state).where(VideoJob.sha256 == sha256)) in ("queued", "running")


def set_progress(job: VideoJob, fraction: float) -> None:
    db.session.execute(update(VideoJob).where(VideoJob.sha256 == job.sha256).values(progress=fraction))
    db.session.commit()


def fail(job: VideoJob, code: str, detail: str = "") -> None:
    job.state, job.error, job.error_detail, job.finished_at = "failed", code, detail[:200] or None, utcnow()
    db.session.commit()


@dataclass(frozen=True)
class Status:
    """What a teacher is told about one video: its state, how far along, how many wait before it, and why not."""

    state: str
    progress: float
    ahead: int
    error: str | None
    error_detail: str | None


def statuses(shas: Iterable[str]) -> dict[str, Status]:
    """The queue's word on these videos (those without a job are left out)."""
    jobs = list(db.session.scalars(select(VideoJob).where(VideoJob.sha256.in_(list(shas)))))
    out = {}
    for job in jobs:
        ahead = 0
        if job.state == "queued":
            ahead = (
                db.session.scalar(
                    select(func.count()).where(
                        VideoJob.state.in_(("queued", "running")),
                        (VideoJob.state == "running") | (VideoJob.queued_at < job.queued_at),
                    )
                )
                or 0
            )
        out[job.sha256] = Status(job.state, job.progress, ahead, job.error, job.error_detail)
    return out


def overview() -> dict[str, Any]:
    """For the admin's status: how many videos wait for their copy, which are being converted now (by the name a
    teacher gave the file, and how far along), and how many could not be converted."""
    by_state = select(VideoJob.state, func.count()).group_by(VideoJob.state)
    states = {state: n for state, n in db.session.execute(by_state)}
    running = [
        (sha, progress)
        for sha, progress in db.session.execute(
            select(VideoJob.sha256, VideoJob.progress).where(VideoJob.state == "running").order_by(VideoJob.queued_at)
        )
    ]
    files = select(Attachment.sha256, Attachment.label, Attachment.name, Attachment.lesson_id).where(
        Attachment.sha256.in_([sha for sha, _progress in running])
    )
    named: dict[str, tuple[str | None, str | None]] = {}
    for sha, label, name, lesson in db.session.execute(files.order_by(Attachment.id)):
        named.setdefault(sha, (label or name, lesson))  # a file in several lessons: the first that has it
    return {
        "queued": states.get("queued", 0),
        "failed": states.get("failed", 0),
        "converting": [
            {"name": name, "lesson_id": lesson, "progress": round(progress or 0.0, 3)}
            for sha, progress in running
            for name, lesson in [named.get(sha, (None, None))]
        ],
    }
