"""Teachers' own lessons: save (each save a revision), restore, delete/recover, files, share-with-hub mark."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import delete, select

from ..db import db
from ..errors import NotFound, Unprocessable
from ..library.changes import changing_lessons
from ..library.format import LANGS, MAX_ATTACHMENTS, MAX_TAGS, SCRIPTS, SLUG_RE
from ..library.objects import ObjectStore
from ..library.render_cache import store_rendered
from ..models import Attachment, Hub, Lesson, LessonRevision, ShareRequest, User, utcnow
from ..outbox import sent_at
from .names import new_lesson_id, unique_name
from .references import page_urls
from .uploads import StoredFile

STATUSES = ("draft", "published")


@dataclass
class LessonFields:
    """What a teacher edits; `body` is Markdown."""

    title: str
    lang: str
    script: str
    subject: str
    grade: int
    tags: list[str] = field(default_factory=list)
    body: str = ""
    status: str = "draft"

    def check(self) -> None:
        """The library format's rules, so a local lesson could be published to the hub as it is."""
        self.title, self.subject = self.title.strip(), self.subject.strip().lower()
        self.tags = [t.strip() for t in self.tags if t.strip()]
        if not self.title or len(self.title) > 300 or any(ord(c) < 32 for c in self.title):
            raise Unprocessable(_("The title must be 1 to 300 printable characters."))
        if self.lang not in LANGS or self.script not in SCRIPTS or self.status not in STATUSES:
            raise Unprocessable(_("Unknown language, script or status."))
        if not SLUG_RE.match(self.subject):
            raise Unprocessable(_("The subject must be one lowercase word (letters, digits, '-')."))
        if not 1 <= self.grade <= 12:
            raise Unprocessable(_("The grade must be from 1 to 12."))
        if len(self.tags) > MAX_TAGS or any(len(t) > 60 or any(ord(c) < 32 for c in t) for t in self.tags):
            raise Unprocessable(_("At most %(num)s tags of at most 60 characters each.", num=MAX_TAGS))


@dataclass(frozen=True)
class Revision:
    number: int
    saved_at: Any
    saved_by: str
    snapshot: dict[str, Any]


def _commit(lesson: Lesson) -> None:
    """Commit the lesson's changes; the search index and the page cache learn of them at once."""
    with changing_lessons() as changed:
        changed.add(lesson.id)


def _snapshot(lesson: Lesson) -> dict[str, Any]:
    return {
        "title": lesson.title,
        "lang": lesson.lang,
        "script": lesson.script,
        "subject": lesson.subject,
        "grade": lesson.grade,
        "tags": lesson.tags,
        "body_sha256": lesson.body_sha256,
        "status": lesson.status,
        "attachments": [
            {
                "name": a.name,
                "label": a.label,
                "sha256": a.sha256,
                "size": a.size,
                "media_type": a.media_type,
                "kind": a.kind,
                "subtitles_for": a.subtitles_for,
                "subtitles_lang": a.subtitles_lang,
            }
            for a in lesson.attachments
        ],
    }


def _record_revision(lesson: Lesson, user: User) -> None:
    """Keep this state of the lesson as a new revision (the previous ones stay); a lesson already sent to the hub
    whose content changed is queued again, so the next push sends the new version (docs/push.md)."""
    db.session.flush()
    last = db.session.scalar(
        select(LessonRevision)
        .where(LessonRevision.lesson_id == lesson.id)
        .order_by(LessonRevision.number.desc())
        .limit(1)
    )
    snapshot = _snapshot(lesson)
    if last is None or _content(json.loads(last.snapshot_json)) != _content(snapshot):
        _queue_again_if_sent(lesson)
    db.session.add(
        LessonRevision(
            lesson_id=lesson.id,
            number=last.number + 1 if last else 1,
            saved_by=user.id,
            snapshot_json=json.dumps(snapshot, ensure_ascii=False),
        )
    )


def _content(snapshot: dict[str, Any]) -> dict[str, Any]:
    """What the hub gets of a revision: all but the status (only published lessons are pushed)."""
    return {key: value for key, value in snapshot.items() if key != "status"}


def _queue_again_if_sent(lesson: Lesson) -> None:
    request = share_request(lesson)
    if request is not None and request.state == "sent":
        request.state = "queued"


def _apply(lesson: Lesson, fields: LessonFields, body_sha256: str) -> None:
    lesson.title, lesson.lang, lesson.script = fields.title, fields.lang, fields.script
    lesson.subject, lesson.grade, lesson.status = fields.subject, fields.grade, fields.status
    lesson.tags_json = json.dumps(fields.tags, ensure_ascii=False)
    lesson.body_sha256 = body_sha256
    lesson.updated_at = utcnow()


def _render(fields: LessonFields, attachments: Iterable[Attachment], objects: ObjectStore) -> None:
    """Render the body for its page now (RenderRefused if it cannot be), so a view of it never has to."""
    store_rendered(objects, [(fields.body, page_urls(attachments))])


def create_lesson(fields: LessonFields, owner: User, objects: ObjectStore) -> Lesson:
    """A new local lesson owned by `owner`, with its first revision."""
    fields.check()
    _render(fields, (), objects)
    lesson = Lesson(id=new_lesson_id(fields.title), origin="local", library_id=None, owner_id=owner.id)
    _apply(lesson, fields, objects.put_bytes(fields.body.encode("utf-8")))
    db.session.add(lesson)
    _record_revision(lesson, owner)
    _commit(lesson)
    return lesson


def save_lesson(lesson: Lesson, fields: LessonFields, user: User, objects: ObjectStore) -> None:
    """Save an edit as a new revision; the earlier revisions stay restorable."""
    fields.check()
    _render(fields, lesson.attachments, objects)
    _apply(lesson, fields, objects.put_bytes(fields.body.encode("utf-8")))
    _record_revision(lesson, user)
    _commit(lesson)


def lesson_fields(lesson: Lesson, objects: ObjectStore) -> LessonFields:
    """The editable fields of a lesson as it is now (the body read from the object store)."""
    return LessonFields(
        lesson.title,
        lesson.lang,
        lesson.script,
        lesson.subject,
        lesson.grade,
        lesson.tags,
        objects.read_bytes(lesson.body_sha256).decode("utf-8"),
        lesson.status if lesson.status in STATUSES else "draft",
    )


def revisions(lesson: Lesson) -> list[Revision]:
    """Every saved version of the lesson, newest first."""
    rows = db.session.execute(
        select(LessonRevision, User.username)
        .outerjoin(User, User.id == LessonRevision.saved_by)
        .where(LessonRevision.lesson_id == lesson.id)
        .order_by(LessonRevision.number.desc())
    )
    return [Revision(rev.number, rev.saved_at, name or "", json.loads(rev.snapshot_json)) for rev, name in rows]


def delete_lesson(lesson: Lesson) -> None:
    """Hide the lesson everywhere (and drop its share mark); an admin can recover it as its last revision."""
    lesson.status = "deleted"
    db.session.execute(delete(ShareRequest).where(ShareRequest.lesson_id == lesson.id))
    lesson.updated_at = utcnow()
    _commit(lesson)


def recover_lesson(lesson: Lesson) -> None:
    last = revisions(lesson)
    lesson.status = last[0].snapshot["status"] if last else "draft"
    lesson.updated_at = utcnow()
    _commit(lesson)


def deleted_lessons() -> list[Lesson]:
    return list(
        db.session.scalars(
            select(Lesson)
            .where(Lesson.origin == "local", Lesson.status == "deleted")
            .order_by(Lesson.updated_at.desc())
        )
    )


def lessons_of(user: User) -> list[Lesson]:
    """The local lessons a user may edit: their own, or all of them for an admin."""
    query = select(Lesson).where(Lesson.origin == "local", Lesson.status != "deleted")
    if user.role != "admin":
        query = query.where(Lesson.owner_id == user.id)
    return list(db.session.scalars(query.order_by(Lesson.updated_at.desc())))


def author_names(lessons: Iterable[Lesson]) -> dict[int, str]:
    """owner id -> the name shown for them, for the admin's list of everyone's lessons."""
    ids = {lesson.owner_id for lesson in lessons if lesson.owner_id is not None}
    if not ids:
        return {}
    rows = db.session.execute(select(User.id, User.display_name, User.username).where(User.id.in_(ids)))
    return {user_id: display or username for user_id, display, username in rows}


def attach_file(
    lesson: Lesson, stored: StoredFile, user: User, subtitles_for: str | None = None, subtitles_lang: str | None = None
) -> None:
    """Add a stored upload to the lesson; a file of the same name is replaced (Markdown keeps pointing at it)."""
    if stored.kind == "subtitles":
        videos = {a.name for a in lesson.attachments if a.kind == "video"}
        if subtitles_for not in videos or subtitles_lang not in LANGS:
            raise Unprocessable(_("Subtitles need the video they belong to and their language."))
    else:
        subtitles_for = subtitles_lang = None
    label = stored.label or stored.name
    kept = [a for a in lesson.attachments if a.shown_name.lower() != label.lower()]
    if len(kept) >= MAX_ATTACHMENTS:
        raise Unprocessable(_("A lesson can have at most %(num)s files.", num=MAX_ATTACHMENTS))
    kept.append(
        Attachment(
            name=unique_name(stored.name, {a.name.lower() for a in kept}),
            label=label,
            sha256=stored.sha256,
            size=stored.size,
            media_type=stored.media_type,
            kind=stored.kind,
            subtitles_for=subtitles_for,
            subtitles_lang=subtitles_lang,
        )
    )
    _set_attachments(lesson, kept, user)


def remove_file(lesson: Lesson, name: str, user: User) -> None:
    kept = [a for a in lesson.attachments if a.name != name and a.subtitles_for != name]
    if len(kept) == len(lesson.attachments):
        raise NotFound()
    _set_attachments(lesson, kept, user)


def _set_attachments(lesson: Lesson, attachments: list[Attachment], user: User) -> None:
    for position, attachment in enumerate(attachments):
        attachment.position = position
    lesson.attachments = attachments
    lesson.updated_at = utcnow()
    _record_revision(lesson, user)
    _commit(lesson)


def hub_configured() -> bool:
    """Whether this school has a hub to share with (`contentserver hub add`); without one, sharing only queues."""
    return db.session.scalar(select(Hub.id).limit(1)) is not None


def share_request(lesson: Lesson) -> ShareRequest | None:
    return db.session.scalar(select(ShareRequest).where(ShareRequest.lesson_id == lesson.id))


@dataclass(frozen=True)
class ShareStatus:
    """What the teacher's page says of a shared lesson: waiting for the next push, or sent (and when)."""

    state: str  # "queued" or "sent"
    sent_at: datetime | None = None  # when the hub committed the push that took it, if recorded


def share_status(lesson: Lesson) -> ShareStatus | None:
    """None when the lesson is not marked for sharing."""
    request = share_request(lesson)
    if request is None:
        return None
    if request.state != "sent":
        return ShareStatus(request.state)
    return ShareStatus("sent", sent_at(lesson.id))


def set_shared(lesson: Lesson, user: User, shared: bool) -> None:
    """Mark (queue for the sync job's push) or unmark a lesson for sharing with the hub."""
    request = share_request(lesson)
    if shared and request is None:
        db.session.add(ShareRequest(lesson_id=lesson.id, requested_by=user.id, state="queued"))
    elif shared and request is not None:
        request.state, request.requested_at, request.requested_by = "queued", utcnow(), user.id
    elif request is not None:
        db.session.delete(request)
    db.session.commit()
