"""Items any thread appends without a lock, added up later under one lock by whoever reads them: a request never
waits on another (waitress's threads contending for a lock on every request cost more than the work itself)."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
DRAIN_AT = 1000  # items waiting before the thread appending one adds them up (memory stays bounded between reads)


class Drained(Generic[T]):
    """A deque of items and the one function that adds an item into what the owner keeps under `lock`."""

    def __init__(self, add: Callable[[T], None], drain_at: int = DRAIN_AT):
        self._items: deque[T] = deque()
        self._add, self._drain_at = add, drain_at
        self.lock = threading.Lock()  # held only to add the items up and to read what they were added into

    def append(self, item: T) -> None:
        """Queue an item (atomic in CPython); a caller that finds many waiting adds them up unless another is."""
        self._items.append(item)
        if len(self._items) > self._drain_at and self.lock.acquire(blocking=False):
            try:
                self.add_up()
            finally:
                self.lock.release()

    def add_up(self) -> None:
        """Under `lock`: every waiting item through `add` (those appended meanwhile are taken too, or left for the
        next)."""
        items, add = self._items, self._add
        while True:
            try:
                item = items.popleft()
            except IndexError:
                return
            add(item)
