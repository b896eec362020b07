"""Rendered pages kept in memory per library version and UI language, answered with ETags and 304s.

Each page is kept gzip-compressed once (a quarter of its size, within PAGE_CACHE_BYTES) and sent as is to
clients that accept gzip — phones on the school's Wi-Fi do —, inflated for the others.

A page Flask has served once is then answered by a thin WSGI layer in front of Flask, replaying the status
and headers Flask gave it: no request context, routing, session or locale objects per hit (the profile of
`make bench` showed those, not rendering, were most of a cached lesson page's cost). Anything else — other
methods, visitors with a session, pages not cached yet — goes through Flask as usual. So a before_request hook
that must run on every public page view (a rate limit, a maintenance switch) does not belong here: put it in
CachedPages or have it clear the cache.
"""

from __future__ import annotations

import builtins
import hashlib
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache, wraps

from flask import Flask, Response, current_app, request
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header, parse_cookie, parse_etags

from ..i18n import LANG_COOKIE, best_ui_tag
from ..library.changes import on_lessons_changed
from ..library.store import data_version
from ..lru import LRU

KEY_ENVIRON = "contentserver.page_key"  # set by cached_page: the key the response was cached under
NOT_REPLAYED = ("date", "content-type", "content-length", "content-encoding")  # not stored / not sent with a 304
GZIP_WBITS = 31  # zlib's window bits for a gzip stream (RFC 1952)
HOST_PAGES = frozenset({"/"})  # the home page shows its own address (views/share.py)
PAGE_OVERHEAD = 600  # bytes a cached page costs beyond its bodies: key, headers, objects


def gzip_once(body: bytes) -> bytes:
    """A gzip stream of `body` (no file name or time in its header, so the same page gives the same bytes)."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, GZIP_WBITS)
    return compressor.compress(body) + compressor.flush()


@dataclass(frozen=True)
class Replay:
    """What Flask sent for a page, after every after_request hook: its headers (without Date) for a plain
    answer and for a gzip one, and its body compressed once."""

    headers: list[tuple[str, str]]
    gzip_headers: list[tuple[str, str]]
    gzipped: bytes

    def body(self) -> bytes:
        return zlib.decompress(self.gzipped, GZIP_WBITS)


@dataclass
class Page:
    body: bytes  # the view's HTML; dropped once replay holds the same bytes compressed
    etag: str
    replay: Replay | None = None

    def html(self) -> bytes:
        return self.body if self.body or self.replay is None else self.replay.body()

    def cost(self) -> int:
        return len(self.body) + (len(self.replay.gzipped) if self.replay else 0) + PAGE_OVERHEAD


def _gzip_headers(headers: list[tuple[str, str]], gzipped: bytes) -> list[tuple[str, str]]:
    """The same answer gzip-coded: its length, a weak ETag (same page, other bytes), Content-Encoding."""
    out = []
    for name, value in headers:
        lower = name.lower()
        if lower == "content-length":
            value = str(len(gzipped))
        elif lower == "etag" and not value.startswith("W/"):
            value = f"W/{value}"
        out.append((name, value))
    return out + [("Content-Encoding", "gzip")]


@lru_cache(maxsize=256)
def accepts_gzip(accept_encoding: str) -> bool:
    """Whether an Accept-Encoding header lets us send gzip (`gzip` or `*` with a quality above 0)."""
    return parse_accept_header(accept_encoding).quality("gzip") > 0


class PageCache:
    """A small thread-safe LRU of pages within a count and a byte budget, emptied whenever the library changes."""

    def __init__(self, size: int, check_seconds: float, max_bytes: int = 4 * 1024**2):
        self.size, self.check_seconds, self.max_bytes = size, check_seconds, max_bytes
        self._pages: LRU[tuple, Page] = LRU(size, max_bytes, Page.cost)
        self._lock = threading.Lock()  # the version moves with the pages it keys
        self.version = -1
        self._checked = 0.0

    def due(self) -> bool:
        return time.monotonic() - self._checked >= self.check_seconds

    def refresh(self) -> None:
        """Every few seconds, look at the data version another process (import, sync) may have moved."""
        if not self.due():
            return
        version = data_version()
        with self._lock:
            self._checked = time.monotonic()
            if version != self.version:
                self._pages.clear()
                self.version = version

    def get(self, key: tuple) -> Page | None:
        return self._pages.get(key)

    @property
    def bytes(self) -> int:
        """What the cached pages cost, as counted against max_bytes."""
        return self._pages.cost

    def put(self, key: tuple, body: builtins.bytes) -> Page:  # (`bytes` here is the property above)
        page = Page(body, hashlib.blake2b(body, digest_size=12).hexdigest())
        self._pages.put(key, page)
        return page

    def remember(self, key: tuple, headers: list[tuple[str, str]], body: builtins.bytes) -> None:
        """Keep Flask's answer for a cached page to replay: compressed once, and the page's own copy of the
        HTML dropped when it is the same bytes (an after_request hook may have changed them)."""
        plain = [(k, v) for k, v in headers if k.lower() != "date"]
        gzipped = gzip_once(body)
        replay = Replay(plain, _gzip_headers(plain, gzipped), gzipped)

        def with_replay(page: Page) -> Page | None:
            if page.replay is not None:
                return None
            return Page(b"" if page.body == body else page.body, page.etag, replay)

        self._pages.update(key, with_replay)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._checked = 0.0


@lru_cache(maxsize=512)
def _ui_tag(cookie_header: str, accept_language: str, default: str) -> str:
    """The UI language i18n.select_locale picks for these headers (the cookie, else Accept-Language)."""
    cookie = parse_cookie(cookie_header).get(LANG_COOKIE) if cookie_header else None
    accepted = parse_accept_header(accept_language or None, LanguageAccept)
    return best_ui_tag(cookie, (value for value, _q in accepted), default)


def page_key(environ: dict, default_locale: str, version: int) -> tuple:
    """What a cached page depends on: path and query, UI language, library version, and for the pages that show
    the address they were opened at (HOST_PAGES), the Host; the others keep one copy however the box is reached."""
    ui = _ui_tag(environ.get("HTTP_COOKIE", ""), environ.get("HTTP_ACCEPT_LANGUAGE", ""), default_locale)
    path = environ.get("PATH_INFO", "")
    host = environ.get("HTTP_HOST", "") if path in HOST_PAGES else ""
    return (path, environ.get("QUERY_STRING", ""), ui, version, host)


def page_cache() -> PageCache:
    return current_app.extensions["page_cache"]


def cached_page(view: Callable[..., str]) -> Callable[..., Response]:
    """Serve a view's HTML from the cache, with an ETag; a matching If-None-Match gets 304."""

    @wraps(view)
    def wrapper(**kwargs) -> Response:
        cache = page_cache()
        key = page_key(request.environ, current_app.config["DEFAULT_LOCALE"], cache.version)
        page = cache.get(key)
        if page is None:
            body = view(**kwargs).encode("utf-8")
            page = cache.put(key, body)
        else:
            body = page.html()
        request.environ[KEY_ENVIRON] = key
        response = Response(body, mimetype="text/html")
        response.set_etag(page.etag)
        response.headers["Cache-Control"] = "no-cache"
        response.vary.update(("Accept-Language", "Cookie", "Accept-Encoding"))
        response.make_conditional(request)  # (returns itself, typed as werkzeug's base class)
        return response

    return wrapper


def has_session(config: Mapping, environ: dict) -> bool:
    """Whether a request carries a session or remember-me cookie (its answer may be that person's: Flask's)."""
    cookies = environ.get("HTTP_COOKIE")
    if not cookies:
        return False
    names = parse_cookie(cookies)
    return config["SESSION_COOKIE_NAME"] in names or config.get("REMEMBER_COOKIE_NAME", "remember_token") in names


class CachedPages:
    """WSGI layer: a GET for a page already cached is answered here, the same way Flask answered it."""

    def __init__(self, app: Flask, cache: PageCache, wsgi_app: Callable):
        self.app, self.cache, self.wsgi_app = app, cache, wsgi_app

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "GET" or has_session(self.app.config, environ):
            return self.wsgi_app(environ, start_response)
        if self.cache.due():
            with self.app.app_context():
                self.cache.refresh()
        page = self.cache.get(page_key(environ, self.app.config["DEFAULT_LOCALE"], self.cache.version))
        if page is None or page.replay is None:
            return self._through_flask(environ, start_response)
        replay = page.replay
        gzipped = accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", ""))
        headers = replay.gzip_headers if gzipped else replay.headers
        if parse_etags(environ.get("HTTP_IF_NONE_MATCH")).contains_weak(page.etag):
            start_response("304 Not Modified", [h for h in headers if h[0].lower() not in NOT_REPLAYED])
            return []
        start_response("200 OK", headers)
        return [replay.gzipped if gzipped else replay.body()]

    def _through_flask(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        """Let Flask answer; a plain 200 of a cached page (no cookie set) is kept to be replayed, and already
        this first answer goes out compressed to a client that takes gzip (it used to go out plain)."""
        plain: list[tuple[str, list[tuple[str, str]]]] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info=None):
            if status.startswith("200 ") and not exc_info and not any(k.lower() == "set-cookie" for k, _ in headers):
                plain.append((status, headers))  # answered below, once the body is known
                return _no_write
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        response = self.wsgi_app(environ, capture)
        if not plain:
            return response
        status, headers = plain[0]
        key = environ.get(KEY_ENVIRON)
        if key is None:
            start_response(status, headers)
            return response
        try:
            body = b"".join(response)
        finally:
            getattr(response, "close", lambda: None)()
        self.cache.remember(key, headers, body)
        page = self.cache.get(key)
        if page is not None and page.replay is not None and accepts_gzip(environ.get("HTTP_ACCEPT_ENCODING", "")):
            start_response(status, page.replay.gzip_headers)
            return [page.replay.gzipped]
        start_response(status, headers)
        return [body]


def _no_write(data: bytes) -> None:
    raise RuntimeError("the page cache answers a page once its body is known: write() is not supported")


def init_page_cache(app: Flask) -> None:
    cache = PageCache(
        app.config["PAGE_CACHE_SIZE"], app.config["LIBRARY_CHECK_SECONDS"], app.config["PAGE_CACHE_BYTES"]
    )
    app.extensions["page_cache"] = cache
    on_lessons_changed(app, lambda _ids: cache.clear())  # a change made here is seen at once, not within seconds
    app.before_request(cache.refresh)
    # Flask's documented way to add WSGI middleware, though its stub types wsgi_app as a method
    app.wsgi_app = CachedPages(app, cache, app.wsgi_app)  # type: ignore[method-assign]
