"""/api/suggest answered in front of Flask: a keystroke costs a title lookup or a cached answer, not a request.

Under 16 clients most of a suggestion's time went to Flask's request machinery (request context, session,
locale hooks, URL adapter), not the lookup (docs/performance.md). So a thin WSGI layer, beside the page cache's,
answers what the title table answers, each answer encoded once per library version. The rest goes through
Flask as before: a typo that matches no title (the ranked search's fallback, with its search slot and busy
answers), visitors with a session, other methods.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import partial
from typing import Protocol

from flask import Flask, Response
from flask.json.provider import DefaultJSONProvider
from sqlalchemy import Engine
from werkzeug.wrappers import Request

from ..books.catalog import indexed_books
from ..books.textsearch import ArticleSuggestion, IndexedBook, suggest_titles
from ..channels.catalog import InstalledChannel, list_channels
from ..channels.textsearch import suggest_titles as suggest_channel_titles
from ..db import db
from ..library import store
from ..lru import LRU
from ..models import Lesson
from ..search.suggest import TitleSource, TitleSuggester
from .page_cache import PageCache, has_session

PATH = "/api/suggest"
ANSWERS = 1024  # encoded answers kept (small: docs/performance.md): the prefixes a school types between two changes
VARY = ("Vary", "Cookie")  # what Flask adds to every answer (it opens the session)


class Titled(Protocol):
    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def lang(self) -> str: ...


def suggest_json(text: str, found: Sequence[Titled], opensearch: bool, lesson_url: Callable[[str], str]) -> object:
    """The answer: OpenSearch's [typed, [titles]], or the typed text and each title with its lesson's link."""
    if opensearch:
        return [text, [item.title for item in found]]
    return {
        "query": text,
        "suggestions": [
            {
                "id": item.id,
                "title": item.title,
                "lang": item.lang,
                "url": getattr(item, "url", None) or lesson_url(item.id),
            }
            for item in found
        ],
    }


class AnswerCache:
    """Encoded answers by request, within a count, emptied when the library version moves."""

    def __init__(self, size: int = ANSWERS):
        self.size = size
        self._answers: LRU[tuple, bytes] = LRU(size)
        self._version: object = None
        self._lock = threading.Lock()  # the version and the answers move together

    def __len__(self) -> int:
        return len(self._answers)

    def get(self, key: tuple, version: object) -> bytes | None:
        with self._lock:
            if version != self._version:
                self._answers.clear()
                self._version = version
            return self._answers.get(key)

    def put(self, key: tuple, version: object, body: bytes) -> None:
        with self._lock:
            if version != self._version:
                return
            self._answers.put(key, body)


def _rows_in(app: Flask) -> Iterator[tuple[str, str, str]]:
    with app.app_context():
        yield from store.published_titles()


def _titles_in(engine: Engine, one_at_a_time: threading.Lock, ids: list[str]) -> dict[str, str]:
    """Straight on the engine: an app context and a session cost more than the query. One read at a time (each
    is short): a class's first keystrokes at once otherwise took a pool connection each, opening extra ones."""
    with one_at_a_time, engine.connect() as connection:
        return store.published_among(connection, ids, Lesson.title)


def published_titles_of(app: Flask) -> TitleSource:
    """The published lessons' titles, read in any thread: the table is rebuilt in a thread of its own."""
    with app.app_context():
        engine = db.engine
    return TitleSource(partial(_rows_in, app), partial(_titles_in, engine, threading.Lock()))


def book_suggestions(app: Flask, text: str, version: object, limit: int) -> list[ArticleSuggestion]:
    """Article titles (and redirect titles) of the books, to fill what lessons' titles leave of the answer."""
    if limit <= 0 or not text.strip():
        return []
    searchers = app.extensions["book_searchers"]

    def load() -> list[IndexedBook]:
        with app.app_context():
            return indexed_books()

    return suggest_titles(searchers, text, searchers.books_of(version, load), limit)


_channels: dict[str, tuple[object, list[InstalledChannel]]] = {}  # data folder → (library version, its channels)


def channel_suggestions(app: Flask, text: str, version: object, limit: int) -> list[ArticleSuggestion]:
    """Titles of channel resources, after lessons' and articles' (the channel list read once per version)."""
    if limit <= 0 or not text.strip():
        return []
    key = app.config["DATA_DIR"]
    if key not in _channels or _channels[key][0] != version:
        with app.app_context():
            _channels[key] = (version, list_channels(app.extensions["object_store"]))
    chosen = _channels[key][1]
    return suggest_channel_titles(app.extensions["channel_searchers"], text, chosen, limit) if chosen else []


class SuggestAnswers:
    """WSGI layer: GET /api/suggest without a session, answered from the title table as Flask would answer it."""

    def __init__(self, app: Flask, wsgi_app: Callable, limit: int, max_chars: int):
        self.app, self.wsgi_app, self.limit, self.max_chars = app, wsgi_app, limit, max_chars
        self.pages: PageCache = app.extensions["page_cache"]  # its version follows the library
        self.suggester: TitleSuggester = app.extensions["title_suggester"]
        self.answers = AnswerCache()
        self.source: TitleSource = app.extensions["title_source"]
        assert isinstance(app.json, DefaultJSONProvider)  # Flask's own: answers encoded as Flask would
        self.json = app.json

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if (
            environ.get("PATH_INFO") != PATH
            or environ.get("REQUEST_METHOD") != "GET"
            or has_session(self.app.config, environ)
        ):
            return self.wsgi_app(environ, start_response)
        if self.pages.due():
            with self.app.app_context():
                self.pages.refresh()
        args = Request(environ).args  # parsed exactly as Flask's request.args
        body = self._answer(
            args.get("q", "")[: self.max_chars], args.get("format") == "opensearch", environ.get("SCRIPT_NAME", "")
        )
        if body is None:
            return self.wsgi_app(environ, start_response)
        start_response("200 OK", [("Content-Type", self.json.mimetype), ("Content-Length", str(len(body))), VARY])
        return [body]

    def _answer(self, text: str, opensearch: bool, script_name: str) -> bytes | None:
        """The encoded answer, or None when no title starts so and the ranked search must answer (in Flask)."""
        key, version = (text, opensearch, script_name), self.pages.version
        body = self.answers.get(key, version)
        if body is not None:
            return body
        lessons, table_version = self.suggester.answer(text, version, self.source, self.limit)
        found: list[Titled] = [*lessons, *book_suggestions(self.app, text, version, self.limit - len(lessons))]
        found += channel_suggestions(self.app, text, version, self.limit - len(found))
        if not found and text.strip():
            return None
        urls = self.app.url_map.bind("localhost", script_name=script_name or "/")
        answer = suggest_json(
            text, found, opensearch, lambda lesson_id: urls.build("browse.lesson", {"lesson_id": lesson_id})
        )
        response = self.json.response(answer)
        assert isinstance(response, Response)  # Flask's response class (annotated as its sans-I/O base)
        body = response.get_data()
        self.answers.put(key, table_version, body)  # kept only once the table is the library version's
        return body
