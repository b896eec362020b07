"""A bound on searches running at once, so a storm of searches cannot starve browsing on a small box."""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

from flask_babel import lazy_gettext as _l

from ..errors import Busy


class SearchLimiter:
    """At most `slots` searches at once; a search waits up to `wait_seconds` for a slot, then gets Busy (503)."""

    def __init__(self, slots: int, wait_seconds: float):
        self._slots = threading.BoundedSemaphore(slots)
        self.wait_seconds = wait_seconds

    @contextmanager
    def slot(self) -> Iterator[None]:
        if not self._slots.acquire(timeout=self.wait_seconds):
            raise Busy(str(_l("Many people are searching right now. Please try again in a moment; "
                              "browsing the library still works.")))
        try:
            yield
        finally:
            self._slots.release()
