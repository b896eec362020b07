"""A bound on searches running at once, so a storm of searches cannot starve browsing on a small box."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager

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
        self._line: deque[threading.Event] = deque()  # waiting searches, first come first served
        self._lock = threading.Lock()
        self.wait_seconds = wait_seconds

    @property
    def waiting(self) -> int:
        """Searches waiting for a slot now."""
        return len(self._line)

    def _acquire(self) -> bool:
        """A slot, in turn: a freed slot passes straight to the longest waiter, so a newcomer never takes it
        first (with a plain semaphore it could, and under a storm the waiters ran out their time and were turned
        away), and one release wakes one thread."""
        with self._lock:
            if self._free and not self._line:
                self._free -= 1
                return True
            if len(self._line) >= self._max_waiting:
                return False
            turn = threading.Event()
            self._line.append(turn)
        if turn.wait(self.wait_seconds):
            return True
        with self._lock:
            if turn.is_set():  # handed the slot just as the wait ran out: it is ours
                return True
            self._line.remove(turn)
            return False

    def _release(self) -> None:
        with self._lock:
            if self._line:
                self._line.popleft().set()
            else:
                self._free += 1

    @contextmanager
    def slot(self, gone: Callable[[], bool] | None = None) -> Iterator[None]:
        """A turn to search; `gone()` tells, once the turn comes, whether the client has left meanwhile (closed
        the page, searched again): its search is then skipped with ClientGone instead of run for nobody. A
        client already gone does not queue either (it would keep a waiting place from one still there)."""
        if gone is not None and gone():
            raise ClientGone()
        if not self._acquire():
            raise Busy(
                str(
                    _l(
                        "Many people are searching right now. Please try again in a moment; "
                        "browsing the library still works."
                    )
                )
            )
        try:
            if gone is not None and gone():
                raise ClientGone()
            yield
        finally:
            self._release()
