"""The box's clock against the hub's: a Pi without a real-time clock boots in 1970 until NTP answers, and the
hub's HTTP Date is a second opinion the sync job gets for free (issue 23; shown on /admin/, sent in reports)."""

from __future__ import annotations

from email.utils import parsedate_to_datetime


def clock_offset(date_header: str | None, asked: float, answered: float, previous: float | None) -> float | None:
    """Seconds the hub's clock is ahead of ours: its Date (whole seconds, so +0.5) against the middle of the
    exchange on our clock; `previous` when the answer has no usable Date."""
    if not date_header:
        return previous
    try:
        hub = parsedate_to_datetime(date_header).timestamp() + 0.5
    except (TypeError, ValueError, IndexError, OverflowError):
        return previous
    return round(hub - (asked + answered) / 2, 1)
