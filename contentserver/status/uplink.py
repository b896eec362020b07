"""Sync and clock: the last pull and push and how they ended, the next attempt, this month's bytes against the
school's cap, and the hub's clock against ours — all read from what the sync job recorded."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from ..db import db
from ..models import Hub, SyncAttempt
from ..sync_schedule import next_attempt
from ..uplink import UplinkOverview
from .times import aware, iso

CLOCK_TOLERANCE = 60.0  # seconds: beyond this the admin page warns (issue 23)
CAP_WARNING = 0.9  # share of the monthly cap from which the page warns
OVERDUE = timedelta(minutes=10)  # a next attempt this far past: the sync service is not running


def _attempt(direction: str, succeeded: bool = False) -> SyncAttempt | None:
    query = select(SyncAttempt).where(SyncAttempt.direction == direction)
    if succeeded:
        query = query.where(SyncAttempt.exit_code == 0)
    # by id, not time: a box whose clock jumped (1970 until NTP) still shows its latest attempt
    return db.session.scalar(query.order_by(SyncAttempt.id.desc()).limit(1))


def _described(attempt: SyncAttempt | None) -> dict[str, Any] | None:
    if attempt is None:
        return None
    return {
        "at": iso(attempt.started_at),
        "ok": attempt.exit_code == 0,
        "exit_code": attempt.exit_code,
        "error": (attempt.error or "").splitlines()[0][:300] if attempt.error else None,
        "bytes_down": attempt.bytes_down,
        "bytes_up": attempt.bytes_up,
        "hub": attempt.hub_url,
    }


def month_start(now: datetime) -> datetime:
    return datetime(now.year, now.month, 1, tzinfo=UTC)


def sync(overview: UplinkOverview, monthly_cap: int, now: datetime) -> dict[str, Any]:
    used = db.session.scalar(
        select(func.coalesce(func.sum(SyncAttempt.bytes_down + SyncAttempt.bytes_up), 0)).where(
            SyncAttempt.started_at >= month_start(now)
        )
    )
    upcoming = next_attempt()
    return {
        "hubs": list(db.session.scalars(select(Hub.url).order_by(Hub.id))),
        "last_pull": _described(_attempt("pull")),
        "last_push": _described(_attempt("push")),
        "last_successful_pull": iso(a.started_at) if (a := _attempt("pull", True)) else None,
        "last_successful_push": iso(a.started_at) if (a := _attempt("push", True)) else None,
        "next_attempt": iso(upcoming),
        "next_attempt_overdue": upcoming is not None and aware(upcoming) < now - OVERDUE,
        "bytes_this_month": int(used or 0),
        "monthly_cap_bytes": monthly_cap or None,
        "cap_warning": bool(monthly_cap) and int(used or 0) >= CAP_WARNING * monthly_cap,
        "lessons_waiting_to_go_up": overview.queued_lessons,
        "days": [
            {
                "date": day.isoformat(),
                "uplink_availability": summary["uplink_availability"] if summary else None,
                "connectivity_speed": summary["connectivity_speed"] if summary else None,
                "bytes_down": summary["bytes_down"] if summary else None,
            }
            for day, summary in overview.days
        ],
    }


def clock() -> dict[str, Any]:
    """The last offset the sync job measured; None before any answer from a hub."""
    attempt = db.session.scalar(
        select(SyncAttempt)
        .where(SyncAttempt.clock_offset_seconds.is_not(None))
        .order_by(SyncAttempt.id.desc())
        .limit(1)
    )
    offset = attempt.clock_offset_seconds if attempt else None
    return {
        "offset_seconds": offset,
        "measured_at": iso(attempt.started_at) if attempt else None,
        "tolerance_seconds": CLOCK_TOLERANCE,
        "warning": offset is not None and abs(offset) > CLOCK_TOLERANCE,
    }
