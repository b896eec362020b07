"""Step 4, the commit: lesson entries checked exactly like a manifest's, every object present, then the review
queue, the push id and the connectivity report in one transaction — and the same push id never twice."""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy.exc import IntegrityError

from ..db import db
from ..errors import BadRequest, Unprocessable
from ..library.format import (
    FORMAT_NAME,
    RENDITIONS_SINCE_VERSION,
    LessonEntry,
    Manifest,
    ManifestError,
    manifest_to_dict,
    validate_manifest,
)
from ..library.markdown_html import object_urls
from ..library.objects import ObjectStore
from ..library.render_cache import store_rendered
from ..library.render_worker import RenderRefused
from ..models import Push, PushedLesson, School, utcnow
from .quiz_results import store_quiz_results
from .schools import MAX_REPORT_BYTES, SchoolError, store_report
from .staging import visible
from .usage import UsageError, store_usage

PUSH_ID_RE = re.compile(r"^[0-9a-f]{32}\Z")
# A push names only the files it sends: a video's renditions (format 4) are the hub's own to make, never a school's
# to name (they would point at objects the school never uploaded, another school's among them).
PUSHED_FORMAT_VERSION = RENDITIONS_SINCE_VERSION - 1


def _validated(lessons: Any, max_lessons: int) -> Manifest:
    """The lessons inside a manifest wrapper, checked by the library format's own manifest validation."""
    return validate_manifest(
        {
            "format": FORMAT_NAME,
            "format_version": PUSHED_FORMAT_VERSION,
            "library_id": "push",
            "version": 1,
            "created": "2000-01-01T00:00:00Z",
            "lessons": lessons,
        },
        max_lessons,
    )


def lesson_entries(lessons: Any, max_lessons: int) -> list[dict[str, Any]]:
    """Lesson entries checked exactly like a manifest's, in their normalized form."""
    try:
        manifest = _validated(lessons, max_lessons)
    except ManifestError as exc:
        raise Unprocessable(f"lesson entry refused: {exc.field + ': ' if exc.field else ''}{exc.reason}") from None
    return manifest_to_dict(manifest)["lessons"]


def entry_of(entry: dict[str, Any]) -> LessonEntry:
    """A stored entry back as a LessonEntry (it was validated on the way in)."""
    return _validated([entry], 1).lessons[0]


def _check_objects(store: ObjectStore, school: School, entries: list[dict[str, Any]]) -> None:
    """Every body and attachment is in the store, whole, and this school's own upload or the library's (never
    another school's file under review); bodies are UTF-8 Markdown that renders within the bounds (rendered
    now), so a preview and the approved lesson's page always show."""
    for i, entry in enumerate(entries):
        refs = [(f"lessons[{i}].body", entry["body"])]
        refs += [(f"lessons[{i}].attachments[{j}]", a) for j, a in enumerate(entry["attachments"])]
        for where, ref in refs:
            sha256 = ref["sha256"]
            if not visible(store, school.id, sha256) or store.path(sha256).stat().st_size != ref["size"]:
                raise Unprocessable(f"{where}: object {ref['sha256']} ({ref['size']} bytes) has not been uploaded")
    try:
        store_rendered(store, [(_body_text(store, i, entry), _page_urls(entry)) for i, entry in enumerate(entries)])
    except RenderRefused as exc:
        raise Unprocessable(f"lessons[{exc.index}].body: {exc}") from None


def _body_text(store: ObjectStore, i: int, entry: dict[str, Any]) -> str:
    try:
        return store.read_bytes(entry["body"]["sha256"]).decode("utf-8")
    except UnicodeDecodeError:
        raise Unprocessable(f"lessons[{i}].body is not UTF-8 Markdown") from None


def _page_urls(entry: dict[str, Any]) -> dict[str, str]:
    """The attachment URLs of the lesson page an approval makes: its body is rendered for it now."""
    return object_urls((a["name"], a["sha256"]) for a in entry["attachments"])


def _answer(push: Push) -> dict[str, Any]:
    return {"accepted": push.accepted, "push_id": push.push_id}


def _earlier(school: School, push_id: str) -> Push | None:
    return db.session.scalar(db.select(Push).where(Push.school_id == school.id, Push.push_id == push_id))


def _queue(school: School, push_id: str, entry: dict[str, Any]) -> None:
    """Into the review queue; replaces the school's earlier push of the same lesson while that still waits."""
    waiting = db.session.scalar(
        db.select(PushedLesson).where(
            PushedLesson.school_id == school.id, PushedLesson.lesson_id == entry["id"], PushedLesson.state == "waiting"
        )
    )
    if waiting is None:
        waiting = PushedLesson(school_id=school.id, lesson_id=entry["id"], state="waiting")
        db.session.add(waiting)
    waiting.push_id, waiting.entry_json, waiting.pushed_at = push_id, json.dumps(entry, ensure_ascii=False), utcnow()


def commit_push(school: School, body: Any, store: ObjectStore, max_lessons: int) -> dict[str, Any]:
    """Queue a push's lessons and store its report, once per push id; the same push id answers the first answer."""
    if not isinstance(body, dict) or not isinstance(body.get("push_id"), str) or not PUSH_ID_RE.match(body["push_id"]):
        raise BadRequest('the body must be {"push_id": <32 hex digits>, "lessons": […], "report": … or null}')
    push_id = body["push_id"]
    earlier = _earlier(school, push_id)
    if earlier is not None:
        return _answer(earlier)
    entries = lesson_entries(body.get("lessons", []), max_lessons)
    _check_objects(store, school, entries)
    report, quiz_results = body.get("report"), body.get("quiz_results")
    if report is not None and len(json.dumps(report)) > MAX_REPORT_BYTES:
        raise Unprocessable(f"the connectivity report is larger than {MAX_REPORT_BYTES} bytes")
    try:
        push = Push(school_id=school.id, push_id=push_id, accepted=len(entries))
        db.session.add(push)
        for entry in entries:
            _queue(school, push_id, entry)
        if report is not None:
            store_report(school, report)
        if quiz_results is not None:  # a school of an older version sends none
            store_quiz_results(school, quiz_results)
        if body.get("usage") is not None:  # usage per day (docs/usage.md); a school before issue 23 sends none
            store_usage(school, body["usage"])
        db.session.commit()
    except (SchoolError, UsageError) as exc:
        db.session.rollback()
        raise Unprocessable(str(exc)) from None
    except IntegrityError:
        db.session.rollback()  # the same push id committed at the same moment by a resent request
        earlier = _earlier(school, push_id)
        if earlier is None:
            raise
        return _answer(earlier)
    return _answer(push)
