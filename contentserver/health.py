"""The server's own health for the admin page: uptime, memory, and the last hour's request rate, p95 and errors,
kept per minute in memory (a few KB; nothing about who asked). A request only appends to a deque; the minutes
are added up by whoever reads them, or by a request that finds many waiting (no request waits on a lock)."""

from __future__ import annotations

import bisect
import os
import time
from dataclasses import dataclass, field

from .drained import Drained

MINUTES = 60
# Upper bounds of the latency histogram, 0.5 ms to ~28 s, each 25% above the last: p95 within 25%.
BOUNDS = tuple(0.0005 * 1.25**i for i in range(50))
MAX_ERRORS_KEPT = 5
STARTED = time.time()


@dataclass
class Minute:
    minute: int = -1
    requests: int = 0
    errors: int = 0
    histogram: list[int] = field(default_factory=lambda: [0] * (len(BOUNDS) + 1))


@dataclass(frozen=True)
class HourFigures:
    requests: int
    per_minute: float
    p95_seconds: float | None
    errors: int
    recent_errors: tuple[tuple[float, str, str], ...]  # (time, status, path) of the last few 5xx answers


class RequestStats:
    """Requests per minute for the last hour; `record` is a bisect and a deque append, without a lock."""

    def __init__(self) -> None:
        self._minutes = [Minute() for _ in range(MINUTES)]
        self._errors: list[tuple[float, str, str]] = []
        self._waiting: Drained[tuple[float, int, str, str]] = Drained(self._into_minute)

    def record(self, seconds: float, status: str, path: str) -> None:
        error = status[:1] == "5"
        self._waiting.append((time.time(), bisect.bisect_left(BOUNDS, seconds), status, path[:200] if error else ""))

    def _into_minute(self, timing: tuple[float, int, str, str]) -> None:
        """One timing into its minute (a minute already reused for a later one is older than an hour: dropped)."""
        now, slot, status, path = timing
        minute = int(now // 60)
        bucket = self._minutes[minute % MINUTES]
        if bucket.minute > minute:
            return
        if bucket.minute != minute:
            bucket.minute, bucket.requests, bucket.errors = minute, 0, 0
            bucket.histogram = [0] * (len(BOUNDS) + 1)
        bucket.requests += 1
        bucket.histogram[slot] += 1
        if status[:1] == "5":
            bucket.errors += 1
            self._errors = [*self._errors[-(MAX_ERRORS_KEPT - 1) :], (now, status, path)]

    def last_hour(self) -> HourFigures:
        now_minute = int(time.time() // 60)
        with self._waiting.lock:
            self._waiting.add_up()
            recent = [m for m in self._minutes if now_minute - MINUTES < m.minute <= now_minute]
            histogram = [sum(column) for column in zip(*(m.histogram for m in recent), strict=True)] if recent else []
            errors = tuple(e for e in self._errors if e[0] > time.time() - 3600)
        requests = sum(m.requests for m in recent)
        span = max(min(MINUTES, (time.time() - STARTED) / 60), 1.0)
        return HourFigures(requests, requests / span, _p95(histogram, requests), sum(m.errors for m in recent), errors)


def _p95(histogram: list[int], total: int) -> float | None:
    if not total:
        return None
    needed, seen = 0.95 * total, 0
    for slot, count in enumerate(histogram):
        seen += count
        if seen >= needed:
            return BOUNDS[min(slot, len(BOUNDS) - 1)]
    return BOUNDS[-1]


def rss_bytes() -> int | None:
    """Resident memory of this process (Linux /proc), None elsewhere."""
    try:
        with open(f"/proc/{os.getpid()}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def uptime_seconds() -> float:
    return time.time() - STARTED
