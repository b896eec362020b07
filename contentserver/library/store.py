"""The library store: what students may see, read from the lesson rows, plus the change counter."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import InstrumentedAttribute

from ..db import db
from ..errors import NotFound
from ..models import Attachment, Lesson, Meta, VideoRendition
from .variants import original_of

DATA_VERSION_KEY = "data_version"


@dataclass(frozen=True)
class Facets:
    subjects: list[tuple[str, int]]
    grades: list[tuple[int, int]]
    langs: list[tuple[str, int]]
    total: int


def _visible():
    return select(Lesson).where(Lesson.status == "published")


def facets() -> Facets:
    """Counts of visible lessons by subject, grade and language, for the home page."""

    def count_by(column):
        rows = db.session.execute(
            select(column, func.count()).where(Lesson.status == "published").group_by(column).order_by(column)
        )
        return [(value, count) for value, count in rows]

    langs = count_by(Lesson.lang)
    return Facets(count_by(Lesson.subject), count_by(Lesson.grade), langs, sum(c for _, c in langs))


def list_lessons(
    subject: str | None = None, grade: int | None = None, lang: str | None = None, page: int = 1, per_page: int = 50
) -> tuple[list[Lesson], int]:
    """One page of visible lessons matching the filters, and how many match in all."""
    query = _visible()
    if subject is not None:
        query = query.where(Lesson.subject == subject)
    if grade is not None:
        query = query.where(Lesson.grade == grade)
    if lang is not None:
        query = query.where(Lesson.lang == lang)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = db.session.scalars(
        query.order_by(Lesson.grade, Lesson.title).limit(per_page).offset((max(page, 1) - 1) * per_page)
    ).all()
    return list(rows), total or 0


def get_lesson(lesson_id: str) -> Lesson:
    """A visible lesson, or NotFound."""
    lesson = db.session.get(Lesson, lesson_id)
    if lesson is None or lesson.status != "published":
        raise NotFound()
    return lesson


def published_version(lesson_id: str) -> tuple[str, str] | None:
    """A visible lesson's body hash and last change (what a practice answer checks against the version its
    question was shown in), or None."""
    rows = _published_rows(db.session.connection(), [lesson_id], (Lesson.body_sha256, Lesson.updated_at))
    return next(((body_sha256, str(updated)) for _id, body_sha256, updated in rows), None)


def object_media_type(sha256: str) -> str | None:
    """The media type a visible lesson declared for an object, or None if no lesson uses it."""
    row = db.session.execute(
        select(Attachment.media_type)
        .join(Lesson)
        .where(Attachment.sha256 == sha256, Lesson.status == "published")
        .limit(1)
    ).first()
    if row:
        return row[0]
    body = db.session.execute(
        select(Lesson.id).where(Lesson.body_sha256 == sha256, Lesson.status == "published").limit(1)
    ).first()
    if body:
        return "text/markdown; charset=utf-8"
    original = original_of(sha256)  # a smaller copy of an image: visible while its original is
    if original:
        return object_media_type(original)
    copy = _rendition(sha256)  # a video's low copy or poster: visible while its original is, with its own type
    return copy.media_type if copy and object_media_type(copy.sha256) else None


def _rendition(sha256: str) -> VideoRendition | None:
    return db.session.scalar(select(VideoRendition).where(VideoRendition.rendition_sha256 == sha256).limit(1))


def object_name(sha256: str) -> str | None:
    """The file name a visible lesson gave an object (what a download is saved as), or None if it has none."""
    name = db.session.scalar(
        select(func.coalesce(Attachment.label, Attachment.name))
        .join(Lesson)
        .where(Attachment.sha256 == sha256, Lesson.status == "published")
        .order_by(Attachment.position)
        .limit(1)
    )
    if name is None and (original := original_of(sha256)) is not None:
        return object_name(original)  # a smaller copy of an image is saved under the original's name
    if name is None and (copy := _rendition(sha256)) is not None and (named := object_name(copy.sha256)):
        stem = named.rsplit(".", 1)[0]  # clip.mp4 → clip-360p.mp4, clip.jpg: never mistaken for the original
        return f"{stem}-{copy.height}p.mp4" if copy.kind == "low" else f"{stem}.jpg"
    return name


def published_titles(batch: int = 500) -> Iterator[tuple[str, str, str]]:
    """(id, title, lang) of every visible lesson, for the as-you-type title table: read in batches, so the
    table is built without all the rows in memory at once."""
    rows = db.session.execute(
        select(Lesson.id, Lesson.title, Lesson.lang)
        .where(Lesson.status == "published")
        .execution_options(yield_per=batch)
    )
    for row in rows:
        lesson_id, title, lang = row  # a plain tuple, not the Row (which keeps its result's metadata)
        yield lesson_id, title, lang


def published_among(connection: Connection, ids: list[str], column: InstrumentedAttribute[str]) -> dict[str, str]:
    """{id: column} of the published lessons among `ids`, looked up by primary key."""
    return {lesson_id: value for lesson_id, value in _published_rows(connection, ids, (column,))}


def _published_rows(
    connection: Connection, ids: list[str], columns: tuple[InstrumentedAttribute[Any], ...]
) -> Iterator[tuple[Any, ...]]:
    """(id, *columns) of the published lessons among `ids`. The status is checked here, not in SQL: with
    `status = ?` SQLite reads the status index instead (nearly every row is published, so it reads nearly the
    whole table). Plain SQL: the ORM's statement cost more than the look-up itself (docs/performance.md)."""
    marks = ",".join("?" * len(ids))
    names = ", ".join(column.name for column in columns)
    rows = connection.exec_driver_sql(
        f"SELECT id, {names}, status FROM {Lesson.__tablename__} WHERE id IN ({marks})", tuple(ids)
    )
    return (tuple(row[:-1]) for row in rows if row[-1] == "published")


def data_version() -> int:
    """A counter that grows whenever lessons change, so caches and ETags know when to renew."""
    row = db.session.get(Meta, DATA_VERSION_KEY)
    return int(row.value) if row else 0


def bump_data_version() -> None:
    """Count a change; call inside the transaction that makes it."""
    row = db.session.get(Meta, DATA_VERSION_KEY)
    if row is None:
        db.session.add(Meta(key=DATA_VERSION_KEY, value="1"))
    else:
        row.value = str(int(row.value) + 1)
