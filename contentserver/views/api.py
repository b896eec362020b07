"""JSON for scripts and apps: search results and as-you-type title suggestions."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, jsonify, request, url_for

from ..books.textsearch import ArticleHit
from ..search.engine import Filters, Hit
from ..search.suggest import TitleSuggester
from . import books
from .search import filters_from, page_arg, run_search
from .suggest_answers import (
    SuggestAnswers,
    book_suggestions,
    channel_suggestions,
    published_titles_of,
    suggest_json,
)

bp = Blueprint("api", __name__, url_prefix="/api")
MAX_LIMIT = 50
SUGGESTIONS = 8
MAX_SUGGEST_CHARS = 100
OPENAPI = Path(__file__).with_name("openapi.json")  # the contract of these routes; tests check answers against it


def init_suggest(app: Flask) -> None:
    """As-you-type title suggestions: the table, and the WSGI layer answering /api/suggest before Flask."""
    app.extensions["title_suggester"] = TitleSuggester()
    app.extensions["title_source"] = published_titles_of(app)
    # Flask's documented way to add WSGI middleware, though its stub types wsgi_app as a method
    app.wsgi_app = SuggestAnswers(app, app.wsgi_app, SUGGESTIONS, MAX_SUGGEST_CHARS)  # type: ignore[method-assign]


def _limit() -> int:
    try:
        return max(1, min(int(request.args.get("limit", 10)), MAX_LIMIT))
    except ValueError:
        return 10


def _hit_json(hit: Hit) -> dict:
    return {
        "id": hit.id,
        "title": hit.title,
        "lang": hit.lang,
        "script": hit.script,
        "subject": hit.subject,
        "grade": hit.grade,
        "snippet": str(hit.snippet),
        "url": url_for("browse.lesson", lesson_id=hit.id),
        "score": round(hit.score, 4),
        "also_in": [
            {
                "id": other.id,
                "title": other.title,
                "lang": other.lang,
                "script": other.script,
                "url": url_for("browse.lesson", lesson_id=other.id),
            }
            for other in hit.also_in
        ],
    }


@bp.get("/search")
def search_json() -> Response:
    """GET /api/search?q=…&lang=…&limit=…&page=…&subject=…&grade=…&type=…&source=all|lessons|book:<id>"""
    text = request.args.get("q", "").strip()
    page, limit = page_arg(), _limit()
    source = books.source_arg(request.args.get("source"))
    lessons_too = not source.startswith("book:")
    found = run_search(text, filters_from(request.args), page, limit) if text and lessons_too else None
    articles = books.search_articles(text, source, limit * page) if text else None
    return jsonify(
        query=text,
        lang=found.lang if found else None,
        total=found.total if found else 0,
        page=page,
        pages=found.pages if found else 1,
        suggestion=found.suggestion if found else None,
        timed_out=found.timed_out if found else False,
        results=[_hit_json(hit) for hit in found.hits] if found else [],
        articles=[_article_json(hit) for hit in articles.hits[limit * (page - 1) :]] if articles else [],
        unindexed_books=[book.id for book in articles.unindexed] if articles else [],
    )


def _article_json(hit: ArticleHit) -> dict:
    return {
        "book": hit.book_id,
        "book_title": hit.book_title,
        "path": hit.path,
        "title": hit.title,
        "lang": hit.lang,
        "snippet": str(hit.snippet),
        "url": hit.url,
        "score": round(hit.score, 4),
    }


@bp.get("/suggest")
def suggest() -> Response:
    """Titles for as-you-type; format=opensearch gives the OpenSearch suggestions array.

    Title prefixes come from an in-memory table (no search slot); a typo that matches no title prefix
    falls back to the ranked, typo-tolerant search."""
    text = request.args.get("q", "")[:MAX_SUGGEST_CHARS]
    suggester = current_app.extensions["title_suggester"]
    version = current_app.extensions["page_cache"].version
    lessons = suggester.suggest(text, version, current_app.extensions["title_source"], SUGGESTIONS)
    found: list = [*lessons, *book_suggestions(current_app, text, version, SUGGESTIONS - len(lessons))]
    found += channel_suggestions(current_app, text, version, SUGGESTIONS - len(found))
    if not found and text.strip():
        found = run_search(text, Filters(), 1, SUGGESTIONS, snippets=False).hits
    return jsonify(
        suggest_json(
            text,
            found,
            request.args.get("format") == "opensearch",
            lambda lesson_id: url_for("browse.lesson", lesson_id=lesson_id),
        )
    )


@bp.get("/openapi.json")
def openapi() -> Response:
    """The OpenAPI document of /api/, so apps can be written against it and tests can check every answer."""
    return Response(OPENAPI.read_bytes(), mimetype="application/json")
