"""The school's own limit on sync: a rate cap in kbit/s, lifted during full-speed hours (e.g. the night)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

_WINDOW = re.compile(r"(\d{1,2}):(\d{2})-(\d{1,2}):(\d{2})")


class ScheduleError(ValueError):
    """SYNC_FULL_SPEED_HOURS is not a list like `18:00-07:00, 12:30-13:30`."""


@dataclass(frozen=True)
class Window:
    """Local clock time from `start` to `end` (minutes after midnight); wraps past midnight when end < start."""

    start: int
    end: int

    def contains(self, minute: int) -> bool:
        """Whether the minute of the day lies in this window (start included, end excluded)."""
        if self.start <= self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end


def parse_windows(text: str) -> tuple[Window, ...]:
    """`18:00-07:00, 12:30-13:30` -> windows; an empty text means none."""
    windows = []
    for part in filter(None, (p.replace(" ", "") for p in text.split(","))):
        match = _WINDOW.fullmatch(part)
        if not match:
            raise ScheduleError(f"SYNC_FULL_SPEED_HOURS: {part!r} is not a window HH:MM-HH:MM")
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
            raise ScheduleError(f"SYNC_FULL_SPEED_HOURS: {part!r} is not a window of clock times")
        windows.append(Window(h1 * 60 + m1, h2 * 60 + m2))
    return tuple(windows)


@dataclass(frozen=True)
class RateCap:
    """At most `cap_kbit` kbit/s (0: no cap), except during the `full_speed` windows of the local clock."""

    cap_kbit: int = 0
    full_speed: tuple[Window, ...] = ()

    @classmethod
    def from_settings(cls, settings: Mapping[str, Any]) -> RateCap:
        """Read SYNC_CAP_KBIT and SYNC_FULL_SPEED_HOURS from the settings table's values."""
        cap = int(settings.get("SYNC_CAP_KBIT", 0))
        if cap < 0:
            raise ScheduleError(f"SYNC_CAP_KBIT must be 0 (no cap) or positive, got {cap}")
        return cls(cap, parse_windows(str(settings.get("SYNC_FULL_SPEED_HOURS", ""))))

    def bytes_per_second(self, now: datetime) -> float | None:
        """The cap in force at local time `now`, in bytes per second; None when sync may go at full speed."""
        if not self.cap_kbit:
            return None
        minute = now.hour * 60 + now.minute
        if any(window.contains(minute) for window in self.full_speed):
            return None
        return self.cap_kbit * 1000 / 8
