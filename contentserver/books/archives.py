"""Open ZIM archives, kept per ZIM object: a replaced book's old archive keeps answering until nobody holds it."""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import TYPE_CHECKING

from ..library.objects import ObjectStore

if TYPE_CHECKING:  # libzim (7.6 MiB resident) is loaded by the first book opened, not by every server
    from libzim.reader import Archive

# libzim keeps caches per open archive (dirents, clusters); a box serves a handful of books, so a handful stay
# open and the least recently used closes when its last reader lets go of it.
OPEN_ARCHIVES = 8


class Archives:
    """sha256 -> libzim Archive, opened on first use; thread-safe (libzim reads from many threads)."""

    def __init__(self, store: ObjectStore, size: int = OPEN_ARCHIVES):
        self.store, self.size = store, size
        self._open: OrderedDict[str, Archive] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, sha256: str) -> Archive:
        with self._lock:
            archive = self._open.get(sha256)
            if archive is not None:
                self._open.move_to_end(sha256)
                return archive
        from libzim.reader import Archive

        archive = Archive(str(self.store.path(sha256)))  # outside the lock: opening reads the ZIM's header
        with self._lock:
            self._open[sha256] = archive
            while len(self._open) > self.size:
                self._open.popitem(last=False)
        return archive
