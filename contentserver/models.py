"""Database rows: lessons and their attachments, books, the installed library, and a change counter."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import db

if TYPE_CHECKING:  # flask_sqlalchemy makes db.Model at run time, a copy of Base: mypy sees Base
    from .db import Base as Model
else:
    Model = db.Model


def utcnow() -> datetime:
    return datetime.now(UTC)


class Lesson(Model):
    """One lesson; `origin` is 'hub' (imported or synced) or 'local' (written by a teacher here).

    `status` is 'published', 'draft' or 'deleted' (a teacher's delete, recoverable by an admin)."""

    __tablename__ = "lessons"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    lang: Mapped[str] = mapped_column(String(8), index=True)
    script: Mapped[str] = mapped_column(String(8))
    subject: Mapped[str] = mapped_column(String(40), index=True)
    grade: Mapped[int] = mapped_column(Integer, index=True)
    tags_json: Mapped[str] = mapped_column(Text, default="[]")
    body_sha256: Mapped[str] = mapped_column(String(64))
    origin: Mapped[str] = mapped_column(String(8), default="hub", index=True)
    status: Mapped[str] = mapped_column(String(12), default="published", index=True)
    library_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="lesson", order_by="Attachment.position", cascade="all, delete-orphan"
    )

    @property
    def tags(self) -> list[str]:
        return json.loads(self.tags_json)


class Attachment(Model):
    """A file of a lesson, stored once in the object store under its sha256."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))  # safe by construction (format.is_safe_name): URLs, exports
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    # The name a teacher uploaded it with ("Қарлығаш ұясы.png"): their Markdown may refer to it by this
    label: Mapped[str | None] = mapped_column(String(200), nullable=True)
    media_type: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(12))
    subtitles_for: Mapped[str | None] = mapped_column(String(120), nullable=True)
    subtitles_lang: Mapped[str | None] = mapped_column(String(8), nullable=True)
    lesson: Mapped[Lesson] = relationship(back_populates="attachments")

    @property
    def shown_name(self) -> str:
        """What people see and what a download is saved as: the uploaded name, else the safe one."""
        return self.label or self.name


class InstalledLibrary(Model):
    """Which version of which library is installed; a pull or import replaces it in one transaction."""

    __tablename__ = "installed_library"
    library_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[int] = mapped_column(Integer)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    format_version: Mapped[int] = mapped_column(Integer)
    installed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Book(Model):
    """A ZIM file as a book: read in place from the object store by its sha256 (docs/books.md).

    `library_id` is the hub library that lists it, or None for a ZIM imported here. Search indexing resumes from
    `indexed_upto` (entries of `indexed_sha256` done), so a kill or a newer ZIM never leaves a half index behind."""

    __tablename__ = "books"
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    lang: Mapped[str] = mapped_column(String(8), index=True)
    subject: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    zim_sha256: Mapped[str] = mapped_column(String(64), index=True)
    zim_size: Mapped[int] = mapped_column(Integer)
    article_count: Mapped[int] = mapped_column(Integer)
    has_illustration: Mapped[bool] = mapped_column(Boolean, default=False)
    metadata_json: Mapped[str] = mapped_column(Text, default="{}")
    library_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    installed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    indexed_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    indexed_upto: Mapped[int] = mapped_column(Integer, default=0)
    indexed_done: Mapped[bool] = mapped_column(Boolean, default=False)

    @property
    def zim_metadata(self) -> dict[str, str]:
        return json.loads(self.metadata_json)


class Meta(Model):
    """Small key/value facts; `data_version` grows on every change that readers must notice."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class User(UserMixin, Model):
    """A teacher or admin account; students need none. Its logins are LoginSession rows (accounts/logins.py);
    `session_token` is what older versions ended sessions with, still rotated so a downgrade ends them too."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(100), default="")
    role: Mapped[str] = mapped_column(String(8), default="teacher")
    password_hash: Mapped[str] = mapped_column(String(200))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    session_token: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    login_session = ""  # not a column: the LoginSession this request's user logged in with

    def get_id(self) -> str:
        """What the session cookie carries: the account id and the id of its LoginSession row."""
        return f"{self.id}:{self.login_session}"

    @property
    def is_active(self) -> bool:
        return not self.disabled


class LoginSession(Model):
    """One login of an account in one browser; the session cookie names it, and deleting it ends that login."""

    __tablename__ = "login_sessions"
    id: Mapped[str] = mapped_column(String(43), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    started_at: Mapped[float] = mapped_column(Float, index=True)


class LoginFailure(Model):
    """One failed login, counted per account and per address for throttling."""

    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(40), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[float] = mapped_column(Float, index=True)


class LessonRevision(Model):
    """A saved version of a local lesson (fields, body object, attachments), kept so it can be restored."""

    __tablename__ = "lesson_revisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    saved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    snapshot_json: Mapped[str] = mapped_column(Text)


class ShareRequest(Model):
    """A lesson a teacher marked "share with the hub"; the sync job's push takes queued rows."""

    __tablename__ = "share_queue"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), unique=True)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    state: Mapped[str] = mapped_column(String(12), default="queued")


class Hub(Model):
    """A hub this school pulls from; its public key is pinned here, never learnt from the hub itself."""

    __tablename__ = "hubs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(500), unique=True)
    public_key: Mapped[str] = mapped_column(String(64))
    library_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    head_etag: Mapped[str | None] = mapped_column(String(200), nullable=True)
    head_signed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SyncAttempt(Model):
    """One sync run against one hub, kept for the connectivity report (sync/report.py, docs/connectivity.md)."""

    __tablename__ = "sync_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    hub_url: Mapped[str] = mapped_column(String(500))
    direction: Mapped[str] = mapped_column(String(8), default="pull")
    reachable: Mapped[bool] = mapped_column(Boolean)
    bytes_down: Mapped[int] = mapped_column(Integer, default=0)
    bytes_up: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    download_bps: Mapped[int | None] = mapped_column(Integer, nullable=True)
    upload_bps: Mapped[int | None] = mapped_column(Integer, nullable=True)
    latency_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)
    exit_code: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    clock_offset_seconds: Mapped[float | None] = mapped_column(Float, nullable=True)  # hub's Date minus ours


class School(Model):
    """On a hub: a school it knows, by the public key the school made with `contentserver keygen --name school`."""

    __tablename__ = "schools"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    public_key: Mapped[str] = mapped_column(String(64), unique=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SchoolReportDay(Model):
    """On a hub: one day of a school's connectivity report (docs/connectivity.md), as the school signed it."""

    __tablename__ = "school_report_days"
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    summary: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ImageVariant(Model):
    """A smaller copy of a big lesson image, made once at import; keyed by the original object's sha256."""

    __tablename__ = "image_variants"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    variant_sha256: Mapped[str] = mapped_column(String(64), index=True)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)


class OutgoingPush(Model):
    """At a school: a push to a hub (docs/push.md); its push_id and lesson entries are kept from before the first
    request until the hub commits them, so a cut or a kill resumes the same push and never makes a duplicate."""

    __tablename__ = "outgoing_pushes"
    push_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    hub_url: Mapped[str] = mapped_column(String(500), index=True)
    lessons_json: Mapped[str] = mapped_column(Text)  # the lesson entries exactly as the commit sends them
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    committed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True, index=True)
    accepted: Mapped[int | None] = mapped_column(Integer, nullable=True)


class PushSession(Model):
    """On a hub: a push session handed to a school; `last_seq` is the highest sequence number it accepted."""

    __tablename__ = "push_sessions"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class Push(Model):
    """On a hub: one committed push, by the id the school chose, so a commit sent again changes nothing."""

    __tablename__ = "pushes"
    __table_args__ = (UniqueConstraint("school_id", "push_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    push_id: Mapped[str] = mapped_column(String(32))
    accepted: Mapped[int] = mapped_column(Integer)
    committed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PushedObject(Model):
    """On a hub: an object a school uploaded whole. Until a lesson of the hub's library uses it, only that school
    is told it exists or may name it in a commit (intake/staging.py)."""

    __tablename__ = "pushed_objects"
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)


class PushedLesson(Model):
    """On a hub: a lesson a school pushed, in the review queue; `state` is 'waiting', 'approved' or 'rejected'."""

    __tablename__ = "pushed_lessons"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    push_id: Mapped[str] = mapped_column(String(32))
    lesson_id: Mapped[str] = mapped_column(String(80))
    entry_json: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), default="waiting", index=True)
    pushed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    hub_lesson_id: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    school: Mapped[School] = relationship()

    @property
    def entry(self) -> dict:
        return json.loads(self.entry_json)


class QuizResultDay(Model):
    """Practice answers counted per question and day (issue 21): aggregate only, nothing about who answered."""

    __tablename__ = "quiz_result_days"
    lesson_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    body_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)  # the version the question was in
    quiz: Mapped[int] = mapped_column(Integer, primary_key=True)
    question: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # UTC, YYYY-MM-DD
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    correct: Mapped[int] = mapped_column(Integer, default=0)


class QuizWrongAnswerDay(Model):
    """Wrong answers to one question counted per day by their folded key (`shown` is the first spelling seen, cut
    short); past MAX_WRONG_KEYS a question's other wrong answers share the key "" (quizzes/results.py)."""

    __tablename__ = "quiz_wrong_answer_days"
    lesson_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    body_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    quiz: Mapped[int] = mapped_column(Integer, primary_key=True)
    question: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    shown: Mapped[str] = mapped_column(String(120), default="")
    count: Mapped[int] = mapped_column(Integer, default=0)


class QuizMasteryDay(Model):
    """How many times a device reached mastery of a quiz, per day: a count, never which device."""

    __tablename__ = "quiz_mastery_days"
    lesson_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    body_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    quiz: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    mastered: Mapped[int] = mapped_column(Integer, default=0)


class SchoolQuizDay(Model):
    """On a hub: one school's practice on one quiz on one day, as its push said (hub/quiz_results.py): counts only."""

    __tablename__ = "school_quiz_days"
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    lesson_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    quiz: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    correct: Mapped[int] = mapped_column(Integer, default=0)
    mastered: Mapped[int] = mapped_column(Integer, default=0)


class VideoJob(Model):
    """A video waiting for, or done with, its phone-sized copy (contentserver/video/): the durable transcode queue.

    `state` is 'queued', 'running', 'done' or 'failed'; a failure keeps a code (video/messages.py says it in the
    teacher's language) and its detail. 'running' rows left by a killed server are queued again at start."""

    __tablename__ = "video_jobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)  # the original object
    state: Mapped[str] = mapped_column(String(8), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    progress: Mapped[float] = mapped_column(Float, default=0.0)  # 0 to 1 while running
    error: Mapped[str | None] = mapped_column(String(20), nullable=True)
    error_detail: Mapped[str | None] = mapped_column(String(200), nullable=True)
    duration: Mapped[float | None] = mapped_column(Float, nullable=True)  # seconds, once probed
    width: Mapped[int | None] = mapped_column(Integer, nullable=True)
    height: Mapped[int | None] = mapped_column(Integer, nullable=True)
    queued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class VideoRendition(Model):
    """A copy made of a video for phones and weak links: `kind` 'low' (H.264/AAC MP4) or 'poster' (JPEG). An
    ordinary object, visible while its original is; 'low' may name the original itself when that is small enough."""

    __tablename__ = "video_renditions"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)  # the original object
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    rendition_sha256: Mapped[str] = mapped_column(String(64), index=True)
    media_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int] = mapped_column(Integer, default=0)
    height: Mapped[int] = mapped_column(Integer, default=0)
