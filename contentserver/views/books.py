"""Students read books: the list, a book's main page, and every ZIM entry at a stable URL, sandboxed."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, current_app, redirect, render_template, request
from werkzeug.wrappers import Response as WerkzeugResponse

from ..books import catalog
from ..books.archives import Archives
from ..books.entries import Content, entry_url, read_entry
from ..books.textsearch import ArticleHit, BookResults, BookSearchers
from ..errors import NotFound
from ..library.format import ID_RE
from ..models import Book
from ..search.engine import Hit, Results
from .book_entries import BookEntries, BookTable, entry_response, ui_of
from .page_cache import cached_page

bp = Blueprint("books", __name__)
MAX_PAGE = 20  # as the search page's


def init_books(app: Flask) -> None:
    """Register the books pages, the open-archive cache and the book searchers (the app factory's one call)."""
    app.extensions["book_archives"] = Archives(app.extensions["object_store"])
    app.extensions["book_searchers"] = BookSearchers(app.config["DATA_DIR"])
    app.extensions["book_table"] = BookTable()
    app.register_blueprint(bp)
    # Flask's documented way to add WSGI middleware, though its stub types wsgi_app as a method
    app.wsgi_app = BookEntries(app, app.wsgi_app)  # type: ignore[method-assign]
    from . import catalog  # the OPDS catalog lists books and lessons

    app.register_blueprint(catalog.bp)


def source_arg(value: str | None) -> str:
    """The search's source: 'all', 'lessons', 'books', 'channels' or 'book:<id>'; anything else is 'all'."""
    if value in ("all", "lessons", "books", "channels") or (
        value and value.startswith("book:") and ID_RE.match(value[5:])
    ):
        return value
    return "all"


@dataclass
class Ranked:
    """One page of lessons (one per topic) and articles ranked together by their BM25F scores."""

    hits: list[Hit | ArticleHit]
    total: int
    page: int
    per_page: int
    pages: int
    unindexed: list[Book]


def rank_together(lessons: Results, articles: BookResults, page: int, per_page: int) -> Ranked:
    """Merge the best `page * per_page` lessons and articles by score; both come from the same analyzers, query
    planner and ranker (each book's index has its own term statistics, the lessons' theirs)."""
    merged: list[Hit | ArticleHit] = sorted([*lessons.hits, *articles.hits], key=lambda hit: -hit.score)
    total = lessons.total + len(articles.hits)
    pages = min(MAX_PAGE, -(-total // per_page) + (len(articles.hits) >= page * per_page))  # more articles may follow
    return Ranked(merged[(page - 1) * per_page : page * per_page], total, page, per_page, pages, articles.unindexed)


def search_articles(text: str, source: str, limit: int, snippets: bool = True) -> BookResults | None:
    """Articles of every book (source 'all' or 'books') or of one ('book:<id>'), best first; None otherwise."""
    if source in ("lessons", "channels"):
        return None
    books = [catalog.get_book(source[5:])] if source.startswith("book:") else catalog.list_books()
    if not books:
        return None
    config, extensions = current_app.config, current_app.extensions
    with extensions["search_limiter"].slot(gone=request.environ.get("waitress.client_disconnected")):
        found = extensions["book_searchers"].search(text, books, limit, config["SEARCH_TIME_BUDGET_SECONDS"])
        if snippets:
            BookSearchers.add_snippets(found.hits, extensions["book_archives"], {b.id: b for b in books})
    return found


def _archive(book: Book):
    return current_app.extensions["book_archives"].get(book.zim_sha256)


@bp.get("/books/")
@cached_page
def index() -> str:
    return render_template("books/list.html", books=catalog.list_books())


@bp.get("/books/<book_id>/")
def main_page(book_id: str) -> WerkzeugResponse:
    """The book's main page (or, for a ZIM without one, its first article)."""
    from ..library.zimfile import main_path

    book = catalog.get_book(book_id)
    path = main_path(_archive(book))
    if path is None:
        raise NotFound()
    return redirect(entry_url(book.id, path), code=302)


@bp.get("/books/-/<book_id>/illustration.png")
def illustration(book_id: str) -> WerkzeugResponse:
    """The ZIM's own 48×48 icon, for listings and the catalog."""
    book = catalog.get_book(book_id)
    archive = _archive(book)
    if not archive.has_illustration(48):
        raise NotFound()
    item = archive.get_illustration_item(48)
    return entry_response(Content(item.mimetype, item.content, f"{book.zim_sha256[:24]}-icon"), request.environ)


@bp.get("/books/<book_id>/<path:path>")
def entry(book_id: str, path: str) -> WerkzeugResponse:
    """An entry: redirects answered as redirects, content with the ZIM's MIME type, Range and an ETag."""
    book = catalog.get_book(book_id)
    found = read_entry(_archive(book), book.zim_sha256, path)
    if not isinstance(found, Content):
        return redirect(entry_url(book.id, found.path), code=302)
    if not found.is_html:
        return entry_response(found, request.environ)
    ui = ui_of(request.environ, current_app.config["DEFAULT_LOCALE"])
    bar = render_template("books/bar.html", book=book).encode("utf-8")
    table: BookTable = current_app.extensions["book_table"]
    if table.version == current_app.extensions["page_cache"].version:
        table.bars[(book.id, ui)] = bar  # the layer in front of Flask answers this book's pages from now on
    return entry_response(found, request.environ, bar, ui)
