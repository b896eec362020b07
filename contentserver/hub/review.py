"""The hub's review queue: an admin approves a pushed lesson into the hub's library (id `<school-slug>-<id>`)
or rejects it; approved lessons are browsable and searchable here at once and go out with the next publish."""

from __future__ import annotations

import dataclasses
import json
import re

from sqlalchemy import select

from ..db import db
from ..errors import Conflict, NotFound
from ..library.changes import changing_lessons
from ..library.importer import _apply
from ..library.markdown_html import object_urls
from ..library.objects import ObjectStore
from ..library.render_cache import store_rendered
from ..library.variants import make_variants
from ..models import Lesson, PushedLesson, School, utcnow
from ..search.folding import cyrillic_to_latin, strip_marks
from .commit import entry_of

SLUG_CHARS = 40


def school_slug(school: School) -> str:
    """The school's name in lowercase ASCII words joined by '-' (Kazakh Cyrillic transliterated), else school-<id>."""
    words = re.findall(r"[a-z0-9]+", strip_marks(cyrillic_to_latin(school.name)).lower().replace("ı", "i"))
    return "-".join(words)[:SLUG_CHARS].strip("-") or f"school-{school.id}"


def hub_lesson_id(school: School, lesson_id: str) -> str:
    """`<school-slug>-<lesson id>`, cut to the id rule (at most 80 characters; the slug's and the lesson id's
    characters already fit it)."""
    return f"{school_slug(school)}-{lesson_id}"[:80].rstrip("-")


def waiting() -> list[PushedLesson]:
    """The queue, oldest push first."""
    return list(
        db.session.scalars(
            select(PushedLesson)
            .where(PushedLesson.state == "waiting")
            .order_by(PushedLesson.pushed_at, PushedLesson.id)
        )
    )


def waiting_item(item_id: int) -> PushedLesson:
    item = db.session.get(PushedLesson, item_id)
    if item is None or item.state != "waiting":
        raise NotFound("this pushed lesson is not waiting for review (someone may have decided already)")
    return item


def _decide(item: PushedLesson, state: str, user_id: int | None) -> None:
    item.state, item.decided_at, item.decided_by = state, utcnow(), user_id


def _check_id_free(item: PushedLesson, hub_id: str) -> Lesson | None:
    """The hub lesson this approval writes: new, or the one an earlier approval of this school's lesson made."""
    lesson = db.session.get(Lesson, hub_id)
    ours = db.session.scalar(
        select(PushedLesson.id)
        .where(
            PushedLesson.school_id == item.school_id,
            PushedLesson.hub_lesson_id == hub_id,
            PushedLesson.state == "approved",
        )
        .limit(1)
    )
    if lesson is not None and ours is None:
        raise Conflict(f"the hub already has a lesson {hub_id!r} that did not come from this school")
    return lesson


def approve(item_id: int, user_id: int | None, store: ObjectStore) -> str:
    """Make the pushed lesson a published hub lesson in one transaction (browsable and searchable on return);
    returns its id. A body that cannot be rendered is refused (RenderRefused), the lesson stays waiting."""
    item = waiting_item(item_id)
    hub_id = hub_lesson_id(item.school, item.lesson_id)
    entry = dataclasses.replace(entry_of(item.entry), id=hub_id)
    lesson = _check_id_free(item, hub_id)
    body = store.read_bytes(entry.body.sha256).decode("utf-8")  # rendered at push; a push older than that: now
    store_rendered(store, [(body, object_urls((a.name, a.sha256) for a in entry.attachments))])
    make_variants(store, ((a.sha256, a.media_type, a.size) for a in entry.attachments))
    with changing_lessons() as changed:
        if lesson is None:
            lesson = Lesson(id=hub_id, origin="hub", status="published", library_id=None)
            db.session.add(lesson)
        _apply(lesson, entry)
        lesson.status = "published"
        item.hub_lesson_id = hub_id
        _decide(item, "approved", user_id)
        changed.add(hub_id)
    return hub_id


def reject(item_id: int, user_id: int | None) -> None:
    """Keep the lesson out of the hub's library; its objects become garbage for `contentserver gc`."""
    _decide(waiting_item(item_id), "rejected", user_id)
    db.session.commit()


def waiting_media_type(sha256: str) -> str | None:
    """The media type a lesson waiting for review declares for one of its files, or None."""
    for item in waiting():
        for attachment in item.entry["attachments"]:
            if attachment["sha256"] == sha256:
                return attachment["type"]
    return None


def kept_objects() -> set[str]:
    """Objects waiting or approved pushed lessons need (for gc): nothing of them is deleted while under review."""
    refs: set[str] = set()
    for entry_json in db.session.scalars(
        select(PushedLesson.entry_json).where(PushedLesson.state.in_(("waiting", "approved")))
    ):
        entry = json.loads(entry_json)
        refs.add(entry["body"]["sha256"])
        refs |= {a["sha256"] for a in entry["attachments"]}
    return refs
