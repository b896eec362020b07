"""Database rows: lessons and their attachments, the installed library, and a change counter."""
from __future__ import annotations

import json
from datetime import datetime, timezone

from sqlalchemy import DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .db import db


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Lesson(db.Model):
    """One lesson; `origin` is 'hub' (imported or synced) or 'local' (written by a teacher here)."""

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
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    attachments: Mapped[list["Attachment"]] = relationship(
        back_populates="lesson", order_by="Attachment.position", cascade="all, delete-orphan")

    @property
    def tags(self) -> list[str]:
        return json.loads(self.tags_json)


class Attachment(db.Model):
    """A file of a lesson, stored once in the object store under its sha256."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lesson_id: Mapped[str] = mapped_column(ForeignKey("lessons.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(120))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(60))
    kind: Mapped[str] = mapped_column(String(12))
    subtitles_for: Mapped[str | None] = mapped_column(String(120), nullable=True)
    subtitles_lang: Mapped[str | None] = mapped_column(String(8), nullable=True)
    lesson: Mapped[Lesson] = relationship(back_populates="attachments")


class InstalledLibrary(db.Model):
    """Which version of which library is installed; a pull or import replaces it in one transaction."""

    __tablename__ = "installed_library"
    library_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    version: Mapped[int] = mapped_column(Integer)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    format_version: Mapped[int] = mapped_column(Integer)
    installed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Meta(db.Model):
    """Small key/value facts; `data_version` grows on every change that readers must notice."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Hub(db.Model):
    """A hub this school pulls from; its public key is pinned here, never learnt from the hub itself."""

    __tablename__ = "hubs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(500), unique=True)
    public_key: Mapped[str] = mapped_column(String(64))
    library_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    head_etag: Mapped[str | None] = mapped_column(String(200), nullable=True)
    head_signed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    added_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
