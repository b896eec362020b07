"""A lesson's earlier versions: look at one, see what restoring it would change, restore it without surprises."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from ..db import db
from ..errors import NotFound
from ..library.objects import ObjectStore
from ..models import Attachment, Lesson, LessonRevision, User
from .lessons import STATUSES, LessonFields, _apply, _commit, _record_revision, _snapshot

FIELDS = ("title", "lang", "script", "subject", "grade", "tags")


@dataclass(frozen=True)
class Change:
    """One difference between the lesson now and an old version, as the teacher reads it."""

    field: str  # "title", "lang", "script", "subject", "grade", "tags", "status" or "files"
    now: str
    then: str


@dataclass(frozen=True)
class Comparison:
    number: int
    snapshot: dict[str, Any]
    body: str
    changes: list[Change]
    body_diff: list[tuple[str, str]]  # (" " | "-" | "+", line): "-" only now, "+" back with the old version


def _revision(lesson: Lesson, number: int) -> dict[str, Any]:
    row = db.session.scalar(
        select(LessonRevision).where(LessonRevision.lesson_id == lesson.id, LessonRevision.number == number)
    )
    if row is None:
        raise NotFound()
    return json.loads(row.snapshot_json)


def _files(snapshot: dict[str, Any]) -> str:
    return ", ".join(a["name"] for a in snapshot["attachments"]) or "—"


def _text(snapshot: dict[str, Any], name: str) -> str:
    value = snapshot[name]
    return ", ".join(value) if isinstance(value, list) else str(value)


def compare(lesson: Lesson, number: int, objects: ObjectStore) -> Comparison:
    """Version `number` beside the lesson as it is now: changed fields, files and the body's lines."""
    old, now = _revision(lesson, number), _snapshot(lesson)
    changes = [Change(name, _text(now, name), _text(old, name)) for name in FIELDS if old[name] != now[name]]
    if old["status"] != now["status"]:
        changes.append(Change("status", now["status"], old["status"]))
    if _files(old) != _files(now):
        changes.append(Change("files", _files(now), _files(old)))
    old_body = objects.read_bytes(old["body_sha256"]).decode("utf-8")
    now_body = objects.read_bytes(now["body_sha256"]).decode("utf-8")
    diff = [
        (line[0], line[1:])
        for line in difflib.ndiff(now_body.splitlines(), old_body.splitlines())
        if line[:1] in (" ", "-", "+")
    ]
    return Comparison(number, old, old_body, changes, diff if old_body != now_body else [])


def restore_revision(
    lesson: Lesson, number: int, user: User, keep_status: bool = True, keep_files: bool = True
) -> None:
    """Make an earlier version's text and fields current again, as a new version (so it can be undone).

    By default the lesson keeps its current status (a published lesson stays published and findable) and its
    current files; the teacher chooses otherwise explicitly."""
    snap = _revision(lesson, number)
    status = lesson.status if keep_status else (snap["status"] if snap["status"] in STATUSES else "draft")
    fields = LessonFields(
        snap["title"], snap["lang"], snap["script"], snap["subject"], snap["grade"], snap["tags"], "", status
    )
    _apply(lesson, fields, snap["body_sha256"])
    if not keep_files:
        lesson.attachments = [Attachment(position=i, **a) for i, a in enumerate(snap["attachments"])]
    _record_revision(lesson, user)
    _commit(lesson)


def restored_message(number: int, status: str, kept_files: bool) -> str:
    """What the edit page says after a restore, in plain words: which text, whether students see it, which files."""
    said = [_("The text of version %(number)s is back.", number=number)]
    if status == "published":
        said.append(_("The lesson is published: students see it."))
    else:
        said.append(_("The lesson is a draft: students do not see it."))
    if kept_files:
        said.append(_("Its files are as they were just before."))
    else:
        said.append(_("Its files are those of version %(number)s.", number=number))
    return " ".join(said)
