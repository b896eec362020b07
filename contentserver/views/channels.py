"""Students browse Kolibri channels: topics as pages with breadcrumbs, resources as pages, their files and apps."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, Flask, Response, current_app, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..books.entries import ENTRY_CSP
from ..books.textsearch import ArticleHit, BookResults
from ..channels.catalog import InstalledChannel, get_channel, get_node, list_channels, load_tree
from ..channels.exercises import ChannelExercise, channel_exercise, picture_markup, placeholders, read_picture
from ..channels.textsearch import ChannelSearchers, add_snippets
from ..channels.tree import ChannelTree, Node
from ..errors import Conflict, NotFound
from ..imagesize import object_size
from ..kolibri.appzip import read_member
from ..kolibri.errors import ChannelError
from .page_cache import cached_page
from .quiz_forms import fill_quizzes
from .security_headers import CONTENT_SECURITY_POLICY

bp = Blueprint("channels", __name__, url_prefix="/channels")
PER_PAGE = 100
THUMB_WIDTH = 96  # CSS pixels a listing's thumbnail takes at most (its file is the channel's own)
ONE_YEAR = 365 * 24 * 3600
KIND_NAMES = {
    "topic": _l("Topic"),
    "video": _l("Video"),
    "audio": _l("Audio"),
    "document": _l("Document"),
    "html5": _l("Interactive app"),
    "exercise": _l("Exercise"),
}
# A picture of an exercise, opened on its own (an SVG may hold script): nothing runs, nothing loads.
PICTURE_CSP = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
# A resource page that holds an app frames it: this page may frame its own server's (sandboxed) app, no more.
APP_PAGE_CSP = CONTENT_SECURITY_POLICY.replace("frame-src 'none'", "frame-src 'self'")


def init_channels(app: Flask) -> None:
    """Register the channel pages and the channels' searchers (the app factory's one call)."""
    app.extensions["channel_searchers"] = ChannelSearchers(app.config["DATA_DIR"])
    app.register_blueprint(bp)
    # listings (the home page, the search page's "Where") ask for the channels only when they show them
    app.context_processor(lambda: {"installed_channels": installed})


def installed() -> list[InstalledChannel]:
    return list_channels(_store())


def with_channel_hits(articles: BookResults | None, text: str, limit: int) -> BookResults:
    """The book results (or none) with the best `limit` channel resources added, ranked by the same scores."""
    found = BookResults() if articles is None else articles
    chosen = installed()
    if not chosen:
        return found
    config, extensions = current_app.config, current_app.extensions
    with extensions["search_limiter"].slot(gone=request.environ.get("waitress.client_disconnected")):
        hits = extensions["channel_searchers"].search(text, chosen, limit, config["SEARCH_TIME_BUDGET_SECONDS"])
    add_snippets(hits, {c.id: load_tree(_store(), c) for c in chosen if any(h.book_id == c.id for h in hits)})
    merged: list[ArticleHit] = [*found.hits, *hits]
    found.hits = sorted(merged, key=lambda hit: -hit.score)[:limit]
    return found


def _store():
    return current_app.extensions["object_store"]


def _tree(channel_id: str) -> ChannelTree:
    return load_tree(_store(), get_channel(_store(), channel_id))


def _page_number() -> int:
    try:
        return max(1, min(int(request.args.get("page", 1)), 100_000))
    except ValueError:
        return 1


@bp.get("/")
@cached_page
def index() -> str:
    return render_template("channels/list.html", channels=list_channels(_store()))


def _topic_page(tree: ChannelTree, topic: Node) -> str:
    page = _page_number()
    pages = max(1, -(-len(topic.children) // PER_PAGE))
    if page > pages:
        raise NotFound()
    children = topic.children[(page - 1) * PER_PAGE : page * PER_PAGE]
    return render_template(
        "channels/topic.html", tree=tree, topic=topic, path=tree.path(topic), children=children, page=page,
        pages=pages, kind_names=KIND_NAMES, thumbnails=_thumbnails(tree, children),
    )  # fmt: skip


@dataclass(frozen=True)
class Thumbnail:
    url: str
    width: int
    height: int


def _thumbnails(tree: ChannelTree, children: list[Node]) -> dict[str, Thumbnail]:
    """node id → its thumbnail (a video's is its poster) as a listing shows it: THUMB_WIDTH wide at most, its
    height from the image's header, so the list does not jump while the images arrive; images whose size cannot
    be read are left out."""
    store, shown = _store(), {}
    for child in children:
        thumb = child.thumbnail
        size = object_size(store.path(thumb.sha256)) if thumb is not None else None
        if thumb is None or size is None:
            continue
        width = min(THUMB_WIDTH, size[0])
        height = max(1, min(THUMB_WIDTH, round(width * size[1] / size[0])))
        url = url_for("channels.file", channel_id=tree.id, node_id=child.id, name=thumb.name)
        shown[child.id] = Thumbnail(url, width, height)
    return shown


@bp.get("/<channel_id>/")
@cached_page
def channel(channel_id: str) -> str:
    tree = _tree(channel_id)
    return _topic_page(tree, tree.root)


@bp.get("/<channel_id>/<node_id>")
@cached_page
def node(channel_id: str, node_id: str) -> str:
    tree = _tree(channel_id)
    found = get_node(tree, node_id)
    if found.is_topic:
        return _topic_page(tree, found)
    exercise_html, not_available = "", found.not_available
    if found.kind == "exercise":
        exercise = channel_exercise(_store(), found)
        if exercise is not None:
            quiz_id = exercise_quiz_id(tree.id, found.id)
            exercise_html = fill_quizzes(
                placeholders(exercise.markdown), quiz_id, exercise.sha256, url_for("practice.answer"),
                text=exercise_pictures(tree.id, found, exercise),
            )  # fmt: skip
            not_available += exercise.left_out
    return render_template(
        "channels/resource.html", tree=tree, node=found, path=tree.path(found), kind_names=KIND_NAMES,
        exercise_html=exercise_html, not_available=not_available,
    )  # fmt: skip


def exercise_pictures(channel_id: str, node: Node, exercise: ChannelExercise) -> Callable[[str], str]:
    """The exercise's quiz texts with their pictures, each at an address naming the exercise file's version."""
    main = node.main
    assert main is not None

    def url_of(name: str) -> str:
        return url_for(
            "channels.picture", channel_id=channel_id, node_id=node.id, sha256=main.sha256,
            name=name.removeprefix("images/"),
        )  # fmt: skip

    return picture_markup(url_of, exercise.pictures)


def exercise_quiz_id(channel_id: str, node_id: str) -> str:
    """What a channel exercise's question tokens and progress call it: the page's own path, without the slash."""
    return f"channels/{channel_id}/{node_id}"


@dataclass(frozen=True)
class PracticeSource:
    """What the answer page needs of where a quiz is: a lesson, or (here) a channel's exercise."""

    id: str
    title: str
    url: str
    body_html: str
    show: Callable[[str], str] | None = None  # how its quiz texts are shown (a channel exercise's pictures)


def exercise_source(quiz_id: str, body_sha256: str) -> PracticeSource:
    """The exercise a question token names, as it is now; Conflict when the channel changed since the page."""
    _prefix, channel_id, node_id = (quiz_id.split("/") + ["", ""])[:3]
    try:
        found = get_node(_tree(channel_id), node_id)
    except NotFound:
        raise NotFound(_("This exercise is no longer in the library.")) from None
    exercise = channel_exercise(_store(), found)
    if exercise is None or exercise.sha256 != body_sha256:
        raise Conflict(_("The exercise has changed since you opened it. Open it again and answer the new version."))
    url = url_for("channels.node", channel_id=channel_id, node_id=node_id)
    show = exercise_pictures(channel_id, found, exercise)
    return PracticeSource(quiz_id, found.title, url, placeholders(exercise.markdown), show)


@bp.after_request
def _frame_own_apps(response: Response) -> Response:
    """Resource pages may frame this server's sandboxed apps (set before the site's policy, which is a default)."""
    if request.endpoint == "channels.node" and response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", APP_PAGE_CSP)
    return response


def _file_of(channel_id: str, node_id: str, name: str):
    found = get_node(_tree(channel_id), node_id)
    for file in found.files:
        if file.name == name:
            return file
    raise NotFound()


@bp.get("/<channel_id>/<node_id>/files/<name>")
def file(channel_id: str, node_id: str, name: str) -> Response:
    """A resource's file (its video, subtitles, PDF, EPUB, thumbnail) by sha256: Range, immutable caching."""
    found = _file_of(channel_id, node_id, name)
    path = _store().path(found.sha256)
    if not path.is_file():
        raise NotFound()
    download = request.args.get("download") == "1" or found.extension == "epub"
    response = send_file(
        path, mimetype=found.media_type, conditional=True, etag=found.sha256, max_age=ONE_YEAR,
        as_attachment=download, download_name=f"{found.sha256[:12]}.{found.extension}",
    )  # fmt: skip
    if not download:
        response.headers.pop("Content-Disposition", None)
    response.cache_control.immutable = True
    response.cache_control.public = True
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/<channel_id>/<node_id>/pictures/<sha256>/<name>")
def picture(channel_id: str, node_id: str, sha256: str, name: str) -> Response:
    """A picture an exercise's questions show, read from the exercise's zip in the store (never unpacked); the
    address names the zip's sha256, so it is cached for good and a new version of the exercise is a new address."""
    found = get_node(_tree(channel_id), node_id)
    main = found.main
    if found.kind != "exercise" or main is None or main.sha256 != sha256:
        raise NotFound()
    try:
        data, media_type = read_picture(_store(), found, f"images/{name}")
    except ChannelError as exc:
        raise NotFound() from exc
    response = Response(data, content_type=media_type)
    response.set_etag(f"{sha256[:24]}-{hashlib.blake2b(name.encode(), digest_size=8).hexdigest()}")
    response.cache_control.max_age = ONE_YEAR
    response.cache_control.public = True
    response.cache_control.immutable = True
    response.headers["Content-Security-Policy"] = PICTURE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.make_conditional(request)
    return response


@bp.get("/<channel_id>/<node_id>/app/", defaults={"path": ""})
@bp.get("/<channel_id>/<node_id>/app/<path:path>")
def app_member(channel_id: str, node_id: str, path: str) -> Response:
    """A member of an html5 app's zip, read from the store (never unpacked), under the sandbox policy ZIM pages
    have: its script runs in an opaque origin, so it cannot read this site's cookies or post its forms."""
    found = get_node(_tree(channel_id), node_id)
    main = found.main
    if found.kind != "html5" or main is None:
        raise NotFound()
    try:
        data, media_type = read_member(_store().path(main.sha256), path)
    except ChannelError as exc:
        raise NotFound() from exc
    if media_type.startswith("text/") or media_type in ("application/json", "application/xml"):
        media_type += "; charset=utf-8"
    response = Response(data, content_type=media_type)
    response.set_etag(f"{main.sha256[:24]}-{hashlib.blake2b(path.encode(), digest_size=8).hexdigest()}")
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Content-Security-Policy"] = ENTRY_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.make_conditional(request)
    return response
