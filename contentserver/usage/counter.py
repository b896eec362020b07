"""Counting in memory and adding the counts to SQLite now and then: a page view costs a deque append, not a write
and not a lock (the cost measured under 16 clients: docs/performance.md)."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, delete, func, select
from sqlalchemy.dialects.sqlite import insert as upsert
from sqlalchemy.engine import Engine

from ..drained import Drained
from .tables import UsageCount

KEEP_DAYS = 90  # days kept one by one; older ones are summed per month
MAX_KEY_CHARS = 400

Key = tuple[str, str, str, str, str]  # period, kind, key, lang, script


class SchoolDay:
    """Today's date in the school's time zone, worked out once a day rather than on every request."""

    def __init__(self, zone: str):
        self.zone = ZoneInfo(zone)
        self.day, self._ends = "", 0.0

    def today(self) -> str:
        now = time.time()
        if now >= self._ends:
            local = datetime.fromtimestamp(now, self.zone)
            midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), self.zone)
            self.day, self._ends = local.date().isoformat(), midnight.timestamp()
        return self.day


class UsageCounter:
    """Counts made by every request thread: each is appended without a lock (drained.py) and added up into a
    Counter by whoever reads them; `flush` adds them to the database in one transaction and puts them back if that
    fails, so an increment is never lost while the process lives."""

    def __init__(self, zone: str):
        self.days = SchoolDay(zone)
        self._counts: Counter[Key] = Counter()
        self._events: Drained[Key] = Drained(self._count)  # its lock also guards swapping the Counter
        self._rolled = ""

    def add(self, kind: str, key: str = "", lang: str = "", script: str = "") -> None:
        self._events.append((self.days.today(), kind, key[:MAX_KEY_CHARS], lang, script))

    def _count(self, key: Key) -> None:
        self._counts[key] += 1

    def pending(self) -> int:
        with self._events.lock:
            self._events.add_up()
            return sum(self._counts.values())

    def flush(self, engine: Engine) -> int:
        """Add what was counted since the last flush to the database; returns the increments written."""
        with self._events.lock:
            self._events.add_up()
            counts, self._counts = self._counts, Counter()
        if counts:
            try:
                with engine.begin() as conn:
                    add_counts(conn, counts)
            except BaseException:
                with self._events.lock:
                    self._counts.update(counts)
                raise
        today = self.days.today()
        if self._rolled != today:
            with engine.begin() as conn:
                roll_up(conn, (datetime.fromisoformat(today) - timedelta(days=KEEP_DAYS)).date().isoformat())
            self._rolled = today
        return sum(counts.values())


def add_counts(conn: Connection, counts: Counter[Key]) -> None:
    """Upsert every (period, kind, key, lang, script) += n."""
    statement = upsert(UsageCount)
    statement = statement.on_conflict_do_update(
        index_elements=["period", "kind", "key", "lang", "script"],
        set_={"count": UsageCount.count + statement.excluded.count},
    )
    rows = [
        {"period": p, "kind": k, "key": key, "lang": lang, "script": script, "count": n}
        for (p, k, key, lang, script), n in counts.items()
    ]
    conn.execute(statement, rows)


def roll_up(conn: Connection, before: str) -> int:
    """Days before `before` (YYYY-MM-DD) summed into their months; returns the day rows folded."""
    day = func.length(UsageCount.period) == 10
    old = select(
        func.substr(UsageCount.period, 1, 7).label("month"),
        UsageCount.kind,
        UsageCount.key,
        UsageCount.lang,
        UsageCount.script,
        func.sum(UsageCount.count),
    ).where(day, UsageCount.period < before)
    grouped = old.group_by("month", UsageCount.kind, UsageCount.key, UsageCount.lang, UsageCount.script)
    rows = conn.execute(grouped).all()
    if not rows:
        return 0
    months: Counter[Key] = Counter({(row[0], row[1], row[2], row[3], row[4]): int(row[5]) for row in rows})
    add_counts(conn, months)
    return conn.execute(delete(UsageCount).where(day, UsageCount.period < before)).rowcount
