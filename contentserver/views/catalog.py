"""The OPDS 1.2 catalog: reader apps on phones browse the box's books and lesson collections.

OPDS 1.2 (Atom) rather than 2.0 (JSON): the apps schools have — Kiwix for Android, KOReader, FBReader, Aldiko,
Moon+ Reader — read 1.x catalogs, Kiwix's own library is served as OPDS 1.x Atom, and few read 2.0 yet. The
feeds link the OpenSearch description, so search keeps working from them. docs/books.md "OPDS catalog".
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, render_template, request, send_file

from ..books import catalog as book_catalog
from ..errors import NotFound
from ..library import store
from ..library.format import ID_RE, SLUG_RE

bp = Blueprint("catalog", __name__, url_prefix="/catalog")
NAVIGATION = "application/atom+xml;profile=opds-catalog;kind=navigation"
ACQUISITION = "application/atom+xml;profile=opds-catalog;kind=acquisition"
PER_PAGE = 50


def _feed(template: str, kind: str, **context) -> Response:
    context.setdefault("updated", datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    xml = render_template(template, navigation=NAVIGATION, acquisition=ACQUISITION, **context)
    response = Response(xml, content_type=f"{kind}; charset=utf-8")
    response.headers["Cache-Control"] = "no-cache"
    return response


def stamp(moment: datetime | None) -> str:
    """Atom's date form, UTC (SQLite hands back naive datetimes that were written as UTC)."""
    moment = moment or datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@bp.get("/")
def root() -> Response:
    """Navigation: the books, then the lessons by subject."""
    return _feed("catalog/root.xml", NAVIGATION, facets=store.facets())


@bp.get("/books")
def books() -> Response:
    """Acquisition: every book, readable in the browser and downloadable as its ZIM for Kiwix apps."""
    return _feed("catalog/books.xml", ACQUISITION, books=book_catalog.list_books(), stamp=stamp)


@bp.get("/subjects/<subject>")
def subject(subject: str) -> Response:
    """Acquisition: the lessons of one subject, PER_PAGE a page (rel="next" to the rest)."""
    if not SLUG_RE.match(subject):
        raise NotFound()
    try:
        page = max(1, min(int(request.args.get("page", 1)), 100_000))
    except ValueError:
        page = 1
    lessons, total = store.list_lessons(subject=subject, page=page, per_page=PER_PAGE)
    if not lessons and page > 1:
        raise NotFound()
    more = page * PER_PAGE < total
    return _feed(
        "catalog/subject.xml", ACQUISITION, subject=subject, lessons=lessons, page=page, more=more, stamp=stamp
    )


@bp.get("/books/<book_id>.zim")
def zim_file(book_id: str) -> Response:
    """The book's ZIM file itself (Range for resumable downloads), for Kiwix apps."""
    if not ID_RE.match(book_id):
        raise NotFound()
    book = book_catalog.get_book(book_id)
    path = current_app.extensions["object_store"].path(book.zim_sha256)
    if not path.is_file():
        raise NotFound()
    return send_file(
        path, mimetype="application/x-zim", conditional=True, etag=book.zim_sha256, download_name=f"{book.id}.zim"
    )
