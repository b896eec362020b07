"""Rendered pages kept in memory per library version and UI language, answered with ETags and 304s."""
from __future__ import annotations

import hashlib
import threading
import time
from collections import OrderedDict
from functools import wraps
from typing import Callable

from flask import Flask, Response, current_app, request
from flask_babel import get_locale

from ..library.store import data_version


class PageCache:
    """A small thread-safe LRU of (html bytes, etag), emptied whenever the library changes."""

    def __init__(self, size: int, check_seconds: float):
        self.size, self.check_seconds = size, check_seconds
        self._pages: OrderedDict[tuple, tuple[bytes, str]] = OrderedDict()
        self._lock = threading.Lock()
        self.version = -1
        self._checked = 0.0

    def refresh(self) -> None:
        """Every few seconds, look at the data version another process (import, sync) may have moved."""
        now = time.monotonic()
        if now - self._checked < self.check_seconds:
            return
        version = data_version()
        with self._lock:
            self._checked = now
            if version != self.version:
                self._pages.clear()
                self.version = version

    def get(self, key: tuple) -> tuple[bytes, str] | None:
        with self._lock:
            hit = self._pages.get(key)
            if hit is not None:
                self._pages.move_to_end(key)
            return hit

    def put(self, key: tuple, body: bytes) -> tuple[bytes, str]:
        entry = (body, hashlib.blake2b(body, digest_size=12).hexdigest())
        with self._lock:
            self._pages[key] = entry
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)
        return entry

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._checked = 0.0


def page_cache() -> PageCache:
    return current_app.extensions["page_cache"]


def cached_page(view: Callable[..., str]) -> Callable[..., Response]:
    """Serve a view's HTML from the cache, with an ETag; a matching If-None-Match gets 304."""
    @wraps(view)
    def wrapper(**kwargs) -> Response:
        cache = page_cache()
        key = (request.full_path, str(get_locale()), cache.version)
        entry = cache.get(key)
        if entry is None:
            entry = cache.put(key, view(**kwargs).encode("utf-8"))
        response = Response(entry[0], mimetype="text/html")
        response.set_etag(entry[1])
        response.headers["Cache-Control"] = "no-cache"
        response.vary.update(("Accept-Language", "Cookie"))
        return response.make_conditional(request)
    return wrapper


def init_page_cache(app: Flask) -> None:
    app.extensions["page_cache"] = PageCache(app.config["PAGE_CACHE_SIZE"], app.config["LIBRARY_CHECK_SECONDS"])
    app.before_request(lambda: app.extensions["page_cache"].refresh())
