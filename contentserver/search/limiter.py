"""A bound on searches running at once, so a storm of searches cannot starve browsing on a small box."""
from __future__ import annotations

import threading
import time
from collections import deque
from contextlib import contextmanager
from typing import Callable, Iterator

from flask_babel import lazy_gettext as _l

from ..errors import Busy, ClientGone


class SearchLimiter:
    """At most `slots` searches run at once and `max_waiting` more wait (up to `wait_seconds`) for a turn; any
    other search is turned away at once with Busy (503), so searches never hold every one of the server's threads.

    A waiting search costs no CPU, while a turned-away one costs an error page and a student's retry: a class
    searching at once is better queued for a few milliseconds each than refused."""

    def __init__(self, slots: int, wait_seconds: float, max_waiting: int | None = None):
        self._free = slots
        self._max_waiting = slots if max_waiting is None else max_waiting
        self._line: deque[object] = deque()  # waiting searches, first come first served
        self._changed = threading.Condition()
        self.wait_seconds = wait_seconds

    @property
    def waiting(self) -> int:
        """Searches waiting for a slot now."""
        return len(self._line)

    def _acquire(self) -> bool:
        """A slot, in turn: a newcomer never takes a freed slot before those already waiting (with a plain
        semaphore it could, and under a storm the waiters ran out their time and were turned away)."""
        with self._changed:
            if self._free and not self._line:
                self._free -= 1
                return True
            if len(self._line) >= self._max_waiting:
                return False
            ticket = object()
            self._line.append(ticket)
            deadline = time.monotonic() + self.wait_seconds
            try:
                while not (self._free and self._line[0] is ticket):
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return False
                    self._changed.wait(remaining)
                self._free -= 1
                return True
            finally:
                self._line.remove(ticket)
                self._changed.notify_all()  # the next in line looks again

    def _release(self) -> None:
        with self._changed:
            self._free += 1
            self._changed.notify_all()

    @contextmanager
    def slot(self, gone: Callable[[], bool] | None = None) -> Iterator[None]:
        """A turn to search; `gone()` tells, once the turn comes, whether the client has left meanwhile (closed
        the page, searched again): its search is then skipped with ClientGone instead of run for nobody. A
        client already gone does not queue either (it would keep a waiting place from one still there)."""
        if gone is not None and gone():
            raise ClientGone()
        if not self._acquire():
            raise Busy(str(_l("Many people are searching right now. Please try again in a moment; "
                              "browsing the library still works.")))
        try:
            if gone is not None and gone():
                raise ClientGone()
            yield
        finally:
            self._release()
