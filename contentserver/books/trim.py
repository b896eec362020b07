"""Memory freed by book work given back to the system when a burst of it is over (glibc's malloc_trim)."""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable

TRIM_DELAY = 1.0  # seconds without book work before freed memory is given back


class Trimmer:
    """Gives the memory a burst of book searches or pages freed back to the system once none has run for
    TRIM_DELAY: glibc's heaps only shrink from their top, so what libzim's cluster reads and 16 searches at once
    freed stayed resident (~35 MiB at 20,000 articles, docs/performance.md "Books"). malloc_trim takes a few ms;
    it runs at most once per TRIM_DELAY."""

    def __init__(self) -> None:
        self.running, self.pending = 0, False
        self._lock = threading.Lock()
        try:
            self._trim: Callable[[int], int] | None = ctypes.CDLL(None).malloc_trim
        except (OSError, AttributeError):  # not glibc
            self._trim = None

    def __enter__(self) -> None:
        with self._lock:
            self.running += 1

    def __exit__(self, *_exc: object) -> None:
        with self._lock:
            self.running -= 1
            if self.running or self.pending or self._trim is None:
                return
            self.pending = True
        timer = threading.Timer(TRIM_DELAY, self._run)
        timer.daemon = True
        timer.start()

    def _run(self) -> None:
        with self._lock:
            self.pending = False
            if self.running or self._trim is None:
                return
            trim = self._trim
        trim(0)


trimmer = Trimmer()  # one per process: the heap is the process's
