"""The renditions a manifest lists (format 4) as this box's rendition rows: the page then offers the hub's low copy
and poster, and the box's own worker never converts those videos again."""

from __future__ import annotations

from ..db import db
from ..models import VideoJob, VideoRendition, utcnow
from .format import Manifest


def record_listed(manifest: Manifest) -> None:
    """Rows for every rendition the manifest lists (in the caller's transaction); a video with a listed low copy has
    its job done, so a box that left the original on the hub never tries to convert what it does not have."""
    for lesson in manifest.lessons:
        for a in lesson.attachments:
            for r in a.renditions:
                row = db.session.get(VideoRendition, (a.sha256, r.kind))
                if row is None:
                    row = VideoRendition(sha256=a.sha256, kind=r.kind)
                    db.session.add(row)
                row.rendition_sha256, row.media_type, row.size = r.sha256, r.media_type, r.size
                row.width, row.height = r.width, r.height
            if a.rendition("low") is None:
                continue
            job = db.session.get(VideoJob, a.sha256)
            if job is None:
                db.session.add(VideoJob(sha256=a.sha256, state="done", progress=1.0, finished_at=utcnow()))
            elif job.state != "running":  # a conversion under way here finishes and keeps its own copy
                job.state, job.progress, job.error, job.error_detail = "done", 1.0, None, None
                job.finished_at = utcnow()
