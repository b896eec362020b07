"""Students search: a plain HTML results page (no JavaScript needed) and the OpenSearch description."""

from __future__ import annotations

import re

from flask import Blueprint, Flask, Response, current_app, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from ..books import catalog as book_catalog
from ..library import store
from ..library.format import LANGS
from ..search.engine import Filters, ResultCache, Results, search
from ..search.limiter import SearchLimiter
from . import books, channels
from .usage_layer import count_search

bp = Blueprint("search", __name__)
PER_PAGE = 10
MAX_PAGE = 20
KINDS = ("video", "audio", "pdf", "image")
SUBJECT_RE = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


def init_search(app: Flask) -> None:
    """The searches' turn-taking and their recent results."""
    config = app.config
    app.extensions["search_limiter"] = SearchLimiter(
        config["SEARCH_MAX_CONCURRENT"], config["SEARCH_QUEUE_SECONDS"], config["SEARCH_MAX_WAITING"]
    )
    app.extensions["search_cache"] = ResultCache()


def _int_arg(args: MultiDict, name: str, low: int, high: int) -> int | None:
    try:
        value = int(args.get(name, ""))
    except ValueError:
        return None
    return value if low <= value <= high else None


def filters_from(args: MultiDict) -> Filters:
    """Filters from request arguments; anything malformed is ignored rather than refused."""
    subject = args.get("subject", "")
    lang = args.get("lang", "")
    kind = args.get("type", "")
    return Filters(
        subject=subject if SUBJECT_RE.match(subject) else None,
        grade=_int_arg(args, "grade", 1, 12),
        lang=lang if lang in LANGS else None,
        kind=kind if kind in KINDS else None,
    )


def run_search(text: str, filters: Filters, page: int, per_page: int, snippets: bool = True) -> Results:
    """A search inside the concurrency limit and time budget (raises Busy when over the limit).

    Recent results are answered from a cache without taking a search slot."""
    config, extensions = current_app.config, current_app.extensions
    arguments = dict(
        filters=filters,
        page=page,
        per_page=per_page,
        budget=config["SEARCH_TIME_BUDGET_SECONDS"],
        max_chars=config["SEARCH_MAX_QUERY_CHARS"],
        snippets=snippets,
        library_version=extensions["page_cache"].version,
    )  # refreshed every LIBRARY_CHECK_SECONDS
    cached = search(extensions["indexer"], text, cache=extensions["search_cache"], cached_only=True, **arguments)
    if cached is not None:
        return cached
    # waitress's own check (run.py asks it to watch connections while their requests run)
    with extensions["search_limiter"].slot(gone=request.environ.get("waitress.client_disconnected")):
        results = search(extensions["indexer"], text, cache=extensions["search_cache"], **arguments)
        assert results is not None  # (None only for cached_only)
        return results


def cached_facets() -> store.Facets:
    """The filter choices (three GROUP BYs over every lesson), recomputed only when the library changes."""
    version = current_app.extensions["page_cache"].version  # refreshed every LIBRARY_CHECK_SECONDS, no query
    cached = current_app.extensions.get("search_facets")
    if cached is None or cached[0] != version:
        cached = (version, store.facets())
        current_app.extensions["search_facets"] = cached
    return cached[1]


def page_arg() -> int:
    return _int_arg(request.args, "page", 1, MAX_PAGE) or 1


@bp.get("/search")
def results() -> str:
    text = request.args.get("q", "").strip()
    limit = current_app.config["SEARCH_MAX_QUERY_CHARS"]
    too_long, text = len(text) > limit, text[:limit]
    filters = filters_from(request.args)
    source = books.source_arg(request.args.get("source"))
    lessons_too = source in ("all", "lessons")
    page = page_arg()
    articles = books.search_articles(text, source, PER_PAGE * page) if text else None
    if text and source in ("all", "channels") and not filters.terms():  # channels have no subject or grade
        articles = channels.with_channel_hits(articles, text, PER_PAGE * page)
    ranked, found = None, None
    if source == "all" and articles is not None and articles.hits:  # lessons and articles in one ranking
        found = run_search(text, filters, 1, PER_PAGE * page)
        ranked = books.rank_together(found, articles, page, PER_PAGE)
    elif text and lessons_too:
        found = run_search(text, filters, page, PER_PAGE)
    if text and page == 1:
        hits = (found.total if found else 0) + (len(articles.hits) if articles else 0)
        count_search(current_app, text, found.lang if found else None, hits > 0)
    if articles is not None:
        articles.hits = articles.hits[PER_PAGE * (page - 1) :] if not lessons_too else articles.hits[:PER_PAGE]
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template(
        "search/results.html",
        q=text,
        found=found,
        source=source,
        articles=articles,
        ranked=ranked,
        book_choices=book_catalog.list_books(),
        page=page_arg(),
        per_page=PER_PAGE,
        filters=filters,
        too_long=too_long,
        facets=cached_facets(),
        kinds=KINDS,
        args=args,
    )


@bp.get("/opensearch.xml")
def opensearch() -> Response:
    """Lets phones and browsers add the school's search as a search engine."""
    xml = render_template(
        "search/opensearch.xml",
        search_url=url_for("search.results", _external=True),
        suggest_url=url_for("api.suggest", _external=True),
    )
    return Response(xml, mimetype="application/opensearchdescription+xml")
