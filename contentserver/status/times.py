"""Times in the status document: ISO 8601 UTC with a Z, as the connectivity report writes them."""

from __future__ import annotations

from datetime import UTC, datetime


def aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back without their zone; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def iso(moment: datetime | None) -> str | None:
    return aware(moment).astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if moment else None
