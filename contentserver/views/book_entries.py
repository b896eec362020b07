"""Book entries answered in front of Flask: an article page costs a ZIM read, not Flask's request machinery.

As for cached lesson pages (page_cache.py) and suggestions (suggest_answers.py), most of a small request's time
was Flask's (request context, session, locale, routing): the article page ran at 440 req/s against kiwix-serve's
2,900 on the same ZIM (docs/performance.md). This layer answers GET and HEAD of /books/<id>/<path> for a book it
knows and an entry the ZIM has, with the response the view would give (the same function builds both); the bar
on HTML pages is the one Flask rendered for that book and UI language, so a language is first served by Flask.
Everything else (unknown books and entries: the 404 page; the bar not rendered yet) goes to Flask.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable

from flask import Flask
from sqlalchemy import select
from werkzeug.exceptions import RequestedRangeNotSatisfiable
from werkzeug.utils import redirect
from werkzeug.wrappers import Response

from ..books.entries import ENTRY_CSP, Content, entry_url, read_entry, with_header
from ..books.trim import trimmer
from ..db import db
from ..errors import NotFound
from ..library.format import ID_RE
from ..models import Book
from .page_cache import PageCache, _ui_tag

PREFIX = "/books/"


class BookView:
    """What serving an entry needs of a book row, kept per library version (no query per request)."""

    __slots__ = ("id", "lang", "title", "zim_sha256")

    def __init__(self, book_id: str, title: str, lang: str, zim_sha256: str):
        self.id, self.title, self.lang, self.zim_sha256 = book_id, title, lang, zim_sha256


class BookTable:
    """Books by id and the rendered bars by (book, UI language), both renewed when the library version moves."""

    def __init__(self) -> None:
        self.version: object = None
        self.books: dict[str, BookView] = {}
        self.bars: dict[tuple[str, str], bytes] = {}
        self._lock = threading.Lock()

    def renew(self, version: object, load: Callable[[], dict[str, BookView]]) -> None:
        if version != self.version:
            books = load()
            with self._lock:
                self.version, self.books, self.bars = version, books, {}


def load_books() -> dict[str, BookView]:
    rows = db.session.execute(select(Book.id, Book.title, Book.lang, Book.zim_sha256))
    return {row[0]: BookView(*row) for row in rows}


def content_type(mimetype: str) -> str:
    """The ZIM's MIME type; text without a charset is UTF-8 (what ZIM writers emit)."""
    if mimetype.startswith("text/") and "charset" not in mimetype:
        return mimetype + "; charset=utf-8"
    return mimetype


def entry_response(found: Content, environ: dict, bar: bytes | None = None, ui: str = "") -> Response:
    """The answer for an entry's content: the ZIM's MIME type, an ETag, Range, and the sandbox policy."""
    data = bytes(found.data)
    etag = found.etag
    if found.is_html and bar is not None:
        data = with_header(data, bar)
        etag = f"{etag}-{ui}"
    response = Response(data, content_type=content_type(found.mimetype))
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"  # a newer ZIM may replace the book: revalidate (ETag, cheap)
    response.headers["Content-Security-Policy"] = ENTRY_CSP  # this response's own policy, not the site's
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    if found.is_html:
        response.vary.update(("Accept-Language", "Cookie"))
    try:
        response.make_conditional(environ, accept_ranges=True, complete_length=len(data))
    except RequestedRangeNotSatisfiable as exc:  # answered here too, in front of Flask's error handling
        return exc.get_response(environ)
    return response


def ui_of(environ: dict, default_locale: str) -> str:
    return _ui_tag(environ.get("HTTP_COOKIE", ""), environ.get("HTTP_ACCEPT_LANGUAGE", ""), default_locale)


class BookEntries:
    """WSGI layer: GET/HEAD /books/<id>/<path> answered from the ZIM when it can be, else passed to Flask."""

    def __init__(self, app: Flask, wsgi_app: Callable):
        self.app, self.wsgi_app = app, wsgi_app
        self.pages: PageCache = app.extensions["page_cache"]
        self.table: BookTable = app.extensions["book_table"]
        self.archives = app.extensions["book_archives"]
        self.default_locale = app.config["DEFAULT_LOCALE"]

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX) or environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.wsgi_app(environ, start_response)
        book_id, _, entry_path = path[len(PREFIX) :].partition("/")
        if not entry_path or not ID_RE.match(book_id):
            return self.wsgi_app(environ, start_response)
        with trimmer:  # a ZIM's clusters are read into memory glibc keeps after a burst of pages: given back
            response = self._answer(environ, book_id, entry_path)
        if response is None:
            return self.wsgi_app(environ, start_response)
        return response(environ, start_response)

    def _answer(self, environ: dict, book_id: str, entry_path: str) -> Response | None:
        if self.pages.due() or self.table.version != self.pages.version:
            with self.app.app_context():
                self.pages.refresh()
                self.table.renew(self.pages.version, load_books)
        book = self.table.books.get(book_id)
        if book is None:
            return None
        try:
            # PATH_INFO is WSGI's latin-1 view of the request's bytes: back to the UTF-8 path the ZIM holds
            entry_path = entry_path.encode("latin-1").decode("utf-8")
            found = read_entry(self.archives.get(book.zim_sha256), book.zim_sha256, entry_path)
        except (NotFound, UnicodeError):
            return None
        if not isinstance(found, Content):
            return redirect(entry_url(book.id, found.path), code=302)
        if not found.is_html:
            return entry_response(found, environ)
        ui = ui_of(environ, self.default_locale)
        bar = self.table.bars.get((book.id, ui))
        return None if bar is None else entry_response(found, environ, bar, ui)
