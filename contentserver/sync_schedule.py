"""When the sync service means to try next: written by `sync run` after each round, read by /admin/ (another
process), so the admin sees whether the service is alive and when the box next reaches for the hub."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError

from .db import db
from .models import Meta

NEXT_KEY = "sync_next_attempt"


def record_next_attempt(moment: datetime) -> None:
    """Keep the next attempt's time (UTC); a database that cannot be written is no reason to stop the service."""
    try:
        row = db.session.get(Meta, NEXT_KEY) or Meta(key=NEXT_KEY)
        row.value = moment.astimezone(UTC).isoformat(timespec="seconds")
        db.session.add(row)
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()


def next_attempt() -> datetime | None:
    row = db.session.get(Meta, NEXT_KEY)
    try:
        return datetime.fromisoformat(row.value) if row else None
    except ValueError:
        return None
