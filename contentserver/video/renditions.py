"""Which copies of a video exist (rows original sha256 + kind → rendition object), for the lesson page, sync and
Kolibri's import; the original is always kept beside them."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select

from ..db import db
from ..models import VideoJob, VideoRendition, utcnow

KINDS = {"low": "video/mp4", "poster": "image/jpeg"}
# le-utils' format presets of a Kolibri video file: a channel that ships a low one needs no transcode
KOLIBRI_LOW = "low_res_video"
KOLIBRI_HIGH = "high_res_video"


def renditions_of(shas: Iterable[str]) -> dict[str, dict[str, VideoRendition]]:
    """{original sha256: {kind: row}} of these videos."""
    shas = list(shas)
    if not shas:
        return {}
    found: dict[str, dict[str, VideoRendition]] = {}
    for row in db.session.scalars(select(VideoRendition).where(VideoRendition.sha256.in_(shas))):
        found.setdefault(row.sha256, {})[row.kind] = row
    return found


def record(sha256: str, kind: str, rendition_sha256: str, size: int, width: int = 0, height: int = 0) -> None:
    """Add or replace one rendition row (in the caller's transaction)."""
    row = db.session.get(VideoRendition, (sha256, kind))
    if row is None:
        row = VideoRendition(sha256=sha256, kind=kind)
        db.session.add(row)
    row.rendition_sha256, row.media_type, row.size = rendition_sha256, KINDS[kind], size
    row.width, row.height = width, height


def needs_transcode(presets: Iterable[str]) -> bool:
    """For a Kolibri video node's file presets: False when the channel already ships a low rendition
    (`low_res_video`), which then plays as it is and is never converted again."""
    return KOLIBRI_LOW not in set(presets)


def adopt_low(original_sha256: str, low_sha256: str, size: int, width: int = 0, height: int = 0) -> None:
    """Record a low rendition that came ready-made (a Kolibri channel's `low_res_video`) and close the
    original's job, so the worker never converts it again. Commits."""
    record(original_sha256, "low", low_sha256, size, width, height)
    job = db.session.get(VideoJob, original_sha256)
    if job is None:
        db.session.add(VideoJob(sha256=original_sha256, state="done", progress=1.0, finished_at=utcnow()))
    else:
        job.state, job.progress, job.error, job.finished_at = "done", 1.0, None, utcnow()
    db.session.commit()
