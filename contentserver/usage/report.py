"""Reading the usage counts: per day for the admin page, per month for older ones, and the days a push carries up
to the hub (contentserver-usage/1, docs/usage.md) — sums and searches, nothing per student or device."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from ..db import db
from .tables import BOOK, LESSON, NOTHING, PAGES, QUERY, SEARCHES, UsageCount

FORMAT = "contentserver-usage/1"
STICK_NAME = "usage.json"  # beside connectivity.json on a stick made by `contentserver export`, signed the same way
TOP = 20  # lessons, books and searches listed per day in a push
TOP_NOTHING = 100  # searches that found nothing, per day in a push: the signal for whoever makes content


def per_day(first: date, last: date) -> list[tuple[str, int, int]]:
    """(day, pages, searches) for every day from `first` to `last`, zeros included."""
    rows = db.session.execute(
        select(UsageCount.period, UsageCount.kind, func.sum(UsageCount.count))
        .where(UsageCount.kind.in_((PAGES, SEARCHES)), UsageCount.period.between(first.isoformat(), last.isoformat()))
        .where(func.length(UsageCount.period) == 10)
        .group_by(UsageCount.period, UsageCount.kind)
    )
    totals: dict[tuple[str, str], int] = {(period, kind): int(n) for period, kind, n in rows}
    days = [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]
    return [(day, totals.get((day, PAGES), 0), totals.get((day, SEARCHES), 0)) for day in days]


def per_month() -> list[tuple[str, int, int]]:
    """(month, pages, searches) of the months older days were summed into, oldest first."""
    rows = db.session.execute(
        select(UsageCount.period, UsageCount.kind, func.sum(UsageCount.count))
        .where(UsageCount.kind.in_((PAGES, SEARCHES)), func.length(UsageCount.period) == 7)
        .group_by(UsageCount.period, UsageCount.kind)
    )
    totals: dict[str, dict[str, int]] = {}
    for period, kind, n in rows:
        totals.setdefault(period, {})[kind] = int(n)
    return [(month, t.get(PAGES, 0), t.get(SEARCHES, 0)) for month, t in sorted(totals.items())]


def top(kind: str, since: str, limit: int, until: str | None = None) -> list[dict[str, Any]]:
    """The most counted keys of one kind from day `since` (to `until`), with their language and script."""
    query = select(UsageCount.key, UsageCount.lang, UsageCount.script, func.sum(UsageCount.count).label("n")).where(
        UsageCount.kind == kind, UsageCount.period >= since, func.length(UsageCount.period) == 10
    )
    if until is not None:
        query = query.where(UsageCount.period <= until)
    grouped = query.group_by(UsageCount.key, UsageCount.lang, UsageCount.script)
    rows = db.session.execute(grouped.order_by(func.sum(UsageCount.count).desc(), UsageCount.key).limit(limit))
    if kind in (LESSON, BOOK):
        return [{"id": key, "count": int(n)} for key, _lang, _script, n in rows]
    return [{"query": key, "lang": lang or None, "script": script, "count": int(n)} for key, lang, script, n in rows]


def usage_report(today: date, days: int = 30) -> dict[str, Any]:
    """The last `days` days that have counts, for the hub: totals, top lessons, books and searches, and the
    searches that found nothing. A day sent again replaces the hub's copy, so today's partial day is fine."""
    first = today - timedelta(days=days - 1)
    out = []
    for day, pages, searches in per_day(first, today):
        if not pages and not searches:
            continue
        out.append(
            {
                "date": day,
                "pages": pages,
                "searches": searches,
                "lessons": top(LESSON, day, TOP, day),
                "books": top(BOOK, day, TOP, day),
                "top_searches": top(QUERY, day, TOP, day),
                "no_result_searches": top(NOTHING, day, TOP_NOTHING, day),
            }
        )
    return {"format": FORMAT, "days": out}
