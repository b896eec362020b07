"""How many answers one device (client address) may send: a sliding minute, bounded memory."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque

PER_MINUTE = 30  # one a second for a class test is far above a student's pace; a script hits it at once
DEVICES = 4096

_seen: OrderedDict[str, deque[float]] = OrderedDict()
_lock = threading.Lock()


def too_many(device: str, now: float | None = None) -> bool:
    """Count this answer; True when the device has sent PER_MINUTE in the last minute already."""
    now = time.monotonic() if now is None else now
    with _lock:
        times = _seen.pop(device, None) or deque()
        _seen[device] = times
        while times and times[0] <= now - 60:
            times.popleft()
        if len(times) >= PER_MINUTE:
            return True
        times.append(now)
        while len(_seen) > DEVICES:
            _seen.popitem(last=False)
        return False
