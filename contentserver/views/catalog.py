"""The OPDS 1.2 catalog: reader apps on phones browse the box's books, lesson collections and Kolibri channels.

OPDS 1.2 (Atom) rather than 2.0 (JSON): the apps schools have — Kiwix for Android, KOReader, FBReader, Aldiko,
Moon+ Reader — read 1.x catalogs, Kiwix's own library is served as OPDS 1.x Atom, and few read 2.0 yet. The
feeds link the OpenSearch description, so search keeps working from them. docs/books.md "OPDS catalog".

A channel is a tree of feeds, one a topic (docs/kolibri.md): its topics as subsections, then its resources in the
channel's order, each with its page and, for documents, videos and audio, its file to download (open access).
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, Response, current_app, render_template, request, send_file

from ..books import catalog as book_catalog
from ..channels.catalog import get_channel, get_node, list_channels, load_tree
from ..channels.tree import ChannelTree, Node
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
    return _feed("catalog/root.xml", NAVIGATION, facets=store.facets(), channels=list_channels(_objects()))


def _objects():
    return current_app.extensions["object_store"]


def _page() -> int:
    try:
        return max(1, min(int(request.args.get("page", 1)), 100_000))
    except ValueError:
        return 1


@bp.get("/channels")
def channels() -> Response:
    """Navigation: every installed channel, each a feed of its root topic."""
    return _feed("catalog/channels.xml", NAVIGATION, channels=list_channels(_objects()))


def _downloadable(node: Node) -> bool:
    """Documents, videos and audio are files a reader app can take; apps and exercises are pages only."""
    return node.kind in ("document", "video", "audio") and node.main is not None


@bp.get("/channels/<channel_id>/", defaults={"node_id": None})
@bp.get("/channels/<channel_id>/<node_id>")
def channel_topic(channel_id: str, node_id: str | None) -> Response:
    """Acquisition: one topic of a channel, PER_PAGE entries a page: its topics (subsections), then its resources."""
    tree: ChannelTree = load_tree(_objects(), get_channel(_objects(), channel_id))
    topic = tree.root if node_id is None else get_node(tree, node_id)
    if not topic.is_topic:
        raise NotFound()
    page = _page()
    children = topic.children[(page - 1) * PER_PAGE : page * PER_PAGE]
    if not children and page > 1:
        raise NotFound()
    return _feed(
        "catalog/channel.xml", ACQUISITION, tree=tree, topic=topic, node_id=node_id, children=children, page=page,
        more=page * PER_PAGE < len(topic.children), downloadable=_downloadable,
    )  # fmt: skip


@bp.get("/books")
def books() -> Response:
    """Acquisition: every book, readable in the browser and downloadable as its ZIM for Kiwix apps."""
    return _feed("catalog/books.xml", ACQUISITION, books=book_catalog.list_books(), stamp=stamp)


@bp.get("/subjects/<subject>")
def subject(subject: str) -> Response:
    """Acquisition: the lessons of one subject, PER_PAGE a page (rel="next" to the rest)."""
    if not SLUG_RE.match(subject):
        raise NotFound()
    page = _page()
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
