"""A bound on searches running at once, so a storm of searches cannot starve browsing on a small box."""
from __future__ import annotations

import threading
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
        self._slots = threading.BoundedSemaphore(slots)
        self._max_waiting = slots if max_waiting is None else max_waiting
        self._waiting = 0
        self._lock = threading.Lock()
        self.wait_seconds = wait_seconds

    @property
    def waiting(self) -> int:
        """Searches waiting for a slot now."""
        return self._waiting

    def _acquire(self) -> bool:
        if self._slots.acquire(blocking=False):
            return True
        with self._lock:
            if self._waiting >= self._max_waiting:
                return False
            self._waiting += 1
        try:
            return self._slots.acquire(timeout=self.wait_seconds)
        finally:
            with self._lock:
                self._waiting -= 1

    @contextmanager
    def slot(self, gone: Callable[[], bool] | None = None) -> Iterator[None]:
        """A turn to search; `gone()` tells, once the turn comes, whether the client has left meanwhile (closed
        the page, searched again): its search is then skipped with ClientGone instead of run for nobody."""
        if not self._acquire():
            raise Busy(str(_l("Many people are searching right now. Please try again in a moment; "
                              "browsing the library still works.")))
        try:
            if gone is not None and gone():
                raise ClientGone()
            yield
        finally:
            self._slots.release()
