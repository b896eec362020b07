"""The share queue, and what a push sends: its published lessons as manifest entries, pinned in an OutgoingPush row
(with its push_id) before the first request and kept until the hub commits them, so a resumed push is the same."""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from .authoring.references import export_body
from .connectivity import as_utc
from .db import db
from .library.format import (
    AttachmentEntry,
    LessonEntry,
    ManifestError,
    ObjectRef,
    lesson_to_dict,
    parse_lesson,
)
from .library.objects import ObjectStore
from .models import Lesson, OutgoingPush, ShareRequest, utcnow
from .video.queue import converting
from .video.renditions import renditions_of

REPORT_EVERY = timedelta(days=1)  # with no lessons to send, the report alone goes up at most this often


def _pushed_files(lesson: Lesson, originals: bool) -> list[AttachmentEntry]:
    """The lesson's files as a push sends them: a video as its low copy (video/renditions.py, a 300 MB phone clip
    goes up as ~15 MB) unless `originals`; a video still waiting for its copy holds the lesson back a round."""
    copies = {} if originals else renditions_of(a.sha256 for a in lesson.attachments if a.kind == "video")
    files = []
    for a in lesson.attachments:
        sha, size = a.sha256, a.size
        if a.kind == "video" and not originals:
            if (low := copies.get(a.sha256, {}).get("low")) is not None:
                sha, size = low.rendition_sha256, low.size
            elif converting(a.sha256):
                raise ManifestError(f"the video {a.name} is still being made small for the push", file=lesson.id)
        files.append(AttachmentEntry(a.name, sha, size, a.media_type, a.subtitles_for, a.subtitles_lang))
    return files


def lesson_entry(lesson: Lesson, store: ObjectStore, originals: bool = False) -> dict[str, Any]:
    """A teacher's lesson as a library manifest entry (docs/library-format.md), checked like one, whose objects
    are all here; videos as their low copies unless `originals` (PUSH_VIDEO_ORIGINALS)."""
    files = _pushed_files(lesson, originals)
    missing = [ref for ref in (lesson.body_sha256, *(a.sha256 for a in files)) if not store.has(ref)]
    if missing:
        raise ManifestError(f"object {missing[0]} is missing from this school's object store", file=lesson.id)
    body_sha256 = lesson.body_sha256
    text = store.read_bytes(body_sha256).decode("utf-8")
    exported = export_body(text, lesson.attachments)  # a hub knows files by their safe names only
    if exported != text:
        body_sha256 = store.put_bytes(exported.encode("utf-8"))
    body = store.path(body_sha256)
    entry = LessonEntry(
        id=lesson.id,
        title=lesson.title,
        lang=lesson.lang,
        script=lesson.script,
        subject=lesson.subject,
        grade=lesson.grade,
        tags=tuple(lesson.tags),
        body=ObjectRef(body_sha256, body.stat().st_size),
        attachments=tuple(files),
    )
    data = lesson_to_dict(entry)
    try:
        parse_lesson(data)
    except ManifestError as exc:
        raise ManifestError(exc.reason, file=lesson.id, field=exc.field) from None
    return data


def entries(push: OutgoingPush) -> list[dict[str, Any]]:
    """The lesson entries a push was pinned with."""
    return json.loads(push.lessons_json)


def objects_of(lessons: list[dict[str, Any]]) -> dict[str, int]:
    """Every object the entries need (bodies and attachments): sha256 -> size."""
    return {ref["sha256"]: ref["size"] for entry in lessons for ref in (entry["body"], *entry["attachments"])}


def sent_at(lesson_id: str) -> datetime | None:
    """When the hub committed the latest push that carried this lesson (what the teacher's page shows)."""
    pushes = db.session.scalars(
        select(OutgoingPush)
        .where(
            OutgoingPush.committed_at.is_not(None),
            OutgoingPush.lessons_json.contains(f'"{lesson_id}"', autoescape=True),
        )
        .order_by(OutgoingPush.committed_at.desc())
    )
    return next(
        (push.committed_at for push in pushes if any(entry["id"] == lesson_id for entry in entries(push))), None
    )


def queued_shares() -> list[ShareRequest]:
    """The push's work list: lessons marked for sharing and not pushed since."""
    return list(
        db.session.scalars(
            select(ShareRequest).where(ShareRequest.state == "queued").order_by(ShareRequest.requested_at)
        )
    )


def unfinished() -> list[OutgoingPush]:
    """Every push (to any hub) that was started and not committed yet."""
    return list(db.session.scalars(select(OutgoingPush).where(OutgoingPush.committed_at.is_(None))))


def pinned_objects() -> set[str]:
    """The objects unfinished pushes pinned: a resumed push sends exactly these, so `contentserver gc` keeps them."""
    return {sha for push in unfinished() for sha in objects_of(entries(push))}


def pending(hub_url: str) -> OutgoingPush | None:
    """The push to this hub that was started and not committed yet, if any."""
    return db.session.scalar(
        select(OutgoingPush)
        .where(OutgoingPush.hub_url == hub_url, OutgoingPush.committed_at.is_(None))
        .order_by(OutgoingPush.created_at)
        .limit(1)
    )


def report_due(hub_url: str, now: datetime | None = None) -> bool:
    """Whether this hub had no report from us for REPORT_EVERY (every commit carries one)."""
    last = db.session.scalar(select(func.max(OutgoingPush.committed_at)).where(OutgoingPush.hub_url == hub_url))
    return last is None or as_utc(last) <= (now or datetime.now(UTC)) - REPORT_EVERY


def start_push(
    hub_url: str, store: ObjectStore, force: bool, originals: bool = False
) -> tuple[OutgoingPush | None, list[str]]:
    """Pin the queued, published lessons (not pinned in another pending push) in a new push, committed before any
    request goes out; None when there is nothing to send and `force` is false. Also returns the lessons left
    queued because they break the format (with why)."""
    pinned = {entry["id"] for push in unfinished() for entry in entries(push)}
    lessons, skipped = [], []
    for share in queued_shares():
        lesson = db.session.get(Lesson, share.lesson_id)
        if lesson is None or lesson.status != "published" or lesson.origin != "local" or lesson.id in pinned:
            continue
        try:
            lessons.append(lesson_entry(lesson, store, originals))
        except ManifestError as exc:
            skipped.append(str(exc))
        except OSError as exc:
            skipped.append(f"{lesson.id}: {exc.strerror or exc}")
    if not lessons and not force:
        return None, skipped
    push = OutgoingPush(
        push_id=secrets.token_hex(16),
        hub_url=hub_url,
        created_at=utcnow(),
        lessons_json=json.dumps(lessons, ensure_ascii=False, sort_keys=True),
    )
    db.session.add(push)
    db.session.commit()
    return push, skipped


def drop(push: OutgoingPush) -> None:
    """Forget a push that can never commit (an object it pinned is gone here and not on the hub either)."""
    db.session.delete(push)
    db.session.commit()


def committed(push: OutgoingPush, accepted: int) -> int:
    """Record the hub's commit; the share rows of its lessons become "sent" unless a teacher changed the lesson or
    shared it again after it was pinned (then the newer version goes with the next push). Returns rows marked."""
    push.committed_at, push.accepted = utcnow(), accepted
    pinned_at = as_utc(push.created_at)
    ids = [entry["id"] for entry in entries(push)]
    marked = 0
    for share in db.session.scalars(
        select(ShareRequest).where(ShareRequest.lesson_id.in_(ids), ShareRequest.state == "queued")
    ):
        lesson = db.session.get(Lesson, share.lesson_id)
        if as_utc(share.requested_at) <= pinned_at and lesson is not None and as_utc(lesson.updated_at) <= pinned_at:
            share.state = "sent"
            marked += 1
    db.session.commit()
    return marked
