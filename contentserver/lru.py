"""One bounded, thread-safe LRU map for the server's in-memory caches (pages, search results, suggestion answers):
a count and, optionally, a cost budget (bytes), so no cache grows with what visitors ask."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    """At most `size` entries whose `cost(value)` sum to at most `max_cost`; the least recently used go first."""

    def __init__(self, size: int, max_cost: int | None = None, cost: Callable[[V], int] | None = None):
        self.size, self.max_cost = size, max_cost
        self._cost = cost or (lambda _value: 0)
        self._entries: OrderedDict[K, V] = OrderedDict()
        self._total = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def cost(self) -> int:
        """What the entries cost in all, as counted against max_cost."""
        return self._total

    def get(self, key: K) -> V | None:
        """The entry, now the most recently used, or None."""
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: K, value: V) -> None:
        """Add or replace an entry (the most recently used), then drop the least recently used beyond the bounds."""
        with self._lock:
            self._replace(key, value)
            self._entries.move_to_end(key)
            self._evict()

    def update(self, key: K, change: Callable[[V], V | None]) -> None:
        """Replace an entry by `change(entry)` unless that is None, in place in the order; nothing if it is gone."""
        with self._lock:
            old = self._entries.get(key)
            new = change(old) if old is not None else None
            if new is not None:
                self._replace(key, new)
                self._evict()

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._total = 0

    def _replace(self, key: K, value: V) -> None:
        old = self._entries.get(key)
        self._total += self._cost(value) - (self._cost(old) if old is not None else 0)
        self._entries[key] = value

    def _evict(self) -> None:
        while self._entries and (
            len(self._entries) > self.size or (self.max_cost is not None and self._total > self.max_cost)
        ):
            _key, old = self._entries.popitem(last=False)
            self._total -= self._cost(old)
