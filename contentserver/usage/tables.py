"""The usage tables: a school's counts per day (per month after 90 days), and on a hub the days schools sent."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import db
from ..models import utcnow

if TYPE_CHECKING:  # as in models.py: mypy sees Base where flask_sqlalchemy makes db.Model
    from ..db import Base as Model
else:
    Model = db.Model

PAGES, SEARCHES, LESSON, BOOK, QUERY, NOTHING = "pages", "searches", "lesson", "book", "query", "nothing"
KINDS = (PAGES, SEARCHES, LESSON, BOOK, QUERY, NOTHING)


class UsageCount(Model):
    """One count: `period` is a day (YYYY-MM-DD, the school's time zone) or, after 90 days, a month (YYYY-MM).
    `kind` is pages/searches (key ""), lesson/book (key: its id) or query/nothing (key: the normalized search,
    with the language and script it was typed in); nothing here says who."""

    __tablename__ = "usage_counts"
    period: Mapped[str] = mapped_column(String(10), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    key: Mapped[str] = mapped_column(String(400), primary_key=True, default="")
    lang: Mapped[str] = mapped_column(String(8), primary_key=True, default="")
    script: Mapped[str] = mapped_column(String(8), primary_key=True, default="")
    count: Mapped[int] = mapped_column(Integer, default=0)


class HubUsageDay(Model):
    """On a hub: one day of a school's usage as its push carried it (contentserver-usage/1, docs/usage.md)."""

    __tablename__ = "hub_usage_days"
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), primary_key=True)
    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    summary: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
