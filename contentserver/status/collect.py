"""The whole status document, as /api/admin/status sends it and /admin/ draws it (docs/usage.md "Status")."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select

from ..db import db
from ..health import rss_bytes, uptime_seconds
from ..models import Book, Lesson
from ..uplink import uplink_overview
from ..usage.report import per_day, per_month, top
from ..usage.tables import BOOK, LESSON, NOTHING, QUERY
from .storage import content, storage
from .times import iso
from .uplink import clock, sync

FORMAT = "contentserver-status/1"
USAGE_DAYS = 30
TOP = 10
TOP_NOTHING = 30


def _titled(model: type[Lesson] | type[Book], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    ids = [row["id"] for row in rows]
    titles = {id_: title for id_, title in db.session.execute(select(model.id, model.title).where(model.id.in_(ids)))}
    return [{**row, "title": titles.get(row["id"])} for row in rows]


def usage(today: date) -> dict[str, Any]:
    first = today - timedelta(days=USAGE_DAYS - 1)
    since = first.isoformat()
    return {
        "days": [{"date": d, "pages": p, "searches": s} for d, p, s in per_day(first, today)],
        "months": [{"month": m, "pages": p, "searches": s} for m, p, s in per_month()],
        "top_lessons": _titled(Lesson, top(LESSON, since, TOP)),
        "top_books": _titled(Book, top(BOOK, since, TOP)),
        "top_searches": top(QUERY, since, TOP),
        "no_result_searches": top(NOTHING, since, TOP_NOTHING),
    }


def health(app: Flask) -> dict[str, Any]:
    stats = app.extensions.get("request_stats")
    hour = stats.last_hour() if stats is not None else None
    return {
        "uptime_seconds": round(uptime_seconds()),
        "rss_bytes": rss_bytes(),
        "requests_last_hour": hour.requests if hour else None,
        "requests_per_minute": round(hour.per_minute, 2) if hour else None,
        "p95_ms": round(hour.p95_seconds * 1000, 1) if hour and hour.p95_seconds is not None else None,
        "errors_last_hour": hour.errors if hour else None,
        "recent_errors": [
            {"at": iso(datetime.fromtimestamp(at, UTC)), "status": status, "path": path}
            for at, status, path in (hour.recent_errors if hour else ())
        ],
    }


def box_status(app: Flask, now: datetime | None = None) -> dict[str, Any]:
    """Everything at once; the caller holds an app context. Usage counted in memory is written first."""
    now = now or datetime.now(UTC)
    counter = app.extensions.get("usage")
    if counter is not None:
        counter.flush(db.engine)
    data_dir = Path(app.config["DATA_DIR"])
    overview = uplink_overview(data_dir, now=now)
    today = date.fromisoformat(counter.days.today()) if counter is not None else now.date()
    return {
        "format": FORMAT,
        "generated": iso(now),
        "storage": storage(data_dir, app.config["DISK_RESERVE_BYTES"]),
        "content": content(app.extensions["indexer"].outdated()),
        "sync": sync(overview, app.config["SYNC_MONTHLY_CAP_BYTES"], now),
        "usage": usage(today) | {"counting": counter is not None},
        "health": health(app),
        "clock": clock(),
    } | ({"hub": hub_usage(today)} if app.config["HUB_MODE"] else {})


def hub_usage(today: date) -> dict[str, Any]:
    """On a hub: the searches that found nothing at any school in the last 30 days, with how many schools."""
    from ..hub.usage import fruitless_searches

    return {"no_result_searches": fruitless_searches((today - timedelta(days=USAGE_DAYS - 1)).isoformat())}
