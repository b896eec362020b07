"""WSGI layer outside every other: each answer timed for the health figures, and each student page view counted
(lesson and book pages by their id) — from the path and the status alone, so cached pages count too."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable

from flask import Flask

from ..db import db
from ..health import RequestStats
from ..usage.counter import UsageCounter
from ..usage.searches import normalized, script_of
from ..usage.tables import BOOK, LESSON, NOTHING, PAGES, QUERY, SEARCHES

log = logging.getLogger(__name__)
FLUSH_SECONDS = 30.0  # at most this much counting is in memory only (a kill -9 loses it; SIGTERM does not)
NOT_STUDENT_PAGES = ("/static/", "/objects/", "/api/", "/admin", "/teach", "/auth", "/hub/", "/ui-language/")


def page_kind(path: str, status: str, content_type: str) -> tuple[str, str] | None:
    """(kind, id) of a student's page view — ("lesson", id), ("book", id) or ("pages", "") — or None when the
    answer is no page a student read (an asset, an error, a teacher's page, a redirect)."""
    if status[:3] not in ("200", "304") or path.startswith(NOT_STUDENT_PAGES):
        return None
    if path.startswith("/lessons/"):
        lesson = path[9:]
        return (LESSON, lesson) if lesson and "/" not in lesson else None
    if path.startswith("/books/"):
        book, _, entry = path[7:].partition("/")
        if entry:  # an article is HTML; its images and scripts are not pages
            return (BOOK, book) if content_type.startswith("text/html") else None
    if status[:3] == "200" and not content_type.startswith("text/html"):
        return None
    if status[:3] == "304" and "." in path.rpartition("/")[2]:  # a file revalidated (/sw.js, a .zim): no type to tell
        return None
    return (PAGES, "")


class UsageLayer:
    def __init__(self, app: Callable, counter: UsageCounter, stats: RequestStats):
        self.app, self.counter, self.stats = app, counter, stats

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        started = time.perf_counter()
        answer: list = []

        def noting(status: str, headers: list[tuple[str, str]], exc_info=None):
            answer[:] = (status, headers)
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        try:
            result = self.app(environ, noting)
        except BaseException:
            self.stats.record(time.perf_counter() - started, "500", environ.get("PATH_INFO", ""))
            raise
        path = environ.get("PATH_INFO", "")
        status = answer[0] if answer else "200"
        self.stats.record(time.perf_counter() - started, status, path)
        if environ.get("REQUEST_METHOD") == "GET" and answer:
            content_type = next((v for k, v in answer[1] if k.lower() == "content-type"), "")
            kind = page_kind(path, status, content_type)
            if kind is not None:
                self.counter.add(PAGES)
                if kind[0] != PAGES:
                    self.counter.add(*kind)
        return result


def count_search(app: Flask, text: str, lang: str | None, found: bool) -> None:
    """A search a student made (its first page): counted, and among the fruitless ones when nothing was found."""
    counter: UsageCounter | None = app.extensions["usage"]
    if counter is None:
        return
    words, script = normalized(text), script_of(text)
    if not words:
        return
    counter.add(SEARCHES)
    counter.add(QUERY, words, lang or "", script)
    if not found:
        counter.add(NOTHING, words, lang or "", script)


def flush_usage(app: Flask) -> int:
    """Write the counts held in memory to the database now (the admin page does before it reads)."""
    if app.extensions["usage"] is None:
        return 0
    with app.app_context():
        return app.extensions["usage"].flush(db.engine)


def start_flushing(app: Flask, every: float = FLUSH_SECONDS) -> Callable[[], None]:
    """A thread that flushes every `every` seconds; returns the function that stops it after a last flush."""
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(every):
            try:
                flush_usage(app)
            except Exception:  # a locked or full disk: the counts stay in memory for the next try
                log.exception("usage counts could not be written; kept for the next try")

    thread = threading.Thread(target=run, name="usage-flush", daemon=True)
    thread.start()

    def stop_and_flush() -> None:
        stop.set()
        thread.join(timeout=5)
        flush_usage(app)

    return stop_and_flush


def init_usage(app: Flask) -> None:
    """The counter and the request figures, and the layer that feeds them, outside every other layer (none of
    them when USAGE_COUNTS is off)."""
    if not app.config["USAGE_COUNTS"]:
        app.extensions["usage"] = app.extensions["request_stats"] = None
        return
    app.extensions["usage"] = UsageCounter(app.config["TIMEZONE"])
    app.extensions["request_stats"] = RequestStats()
    # Flask's documented way to add WSGI middleware, though its stub types wsgi_app as a method
    app.wsgi_app = UsageLayer(app.wsgi_app, app.extensions["usage"], app.extensions["request_stats"])  # type: ignore[method-assign]
