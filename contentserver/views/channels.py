"""Students browse Kolibri channels: topics as pages with breadcrumbs, resources as pages, their files and apps."""

from __future__ import annotations

import hashlib

from flask import Blueprint, Response, current_app, render_template, request, send_file
from flask_babel import lazy_gettext as _l

from ..books.entries import ENTRY_CSP
from ..channels.catalog import get_channel, get_node, list_channels, load_tree
from ..channels.tree import ChannelTree, Node
from ..errors import NotFound
from ..kolibri.appzip import read_member
from ..kolibri.errors import ChannelError
from .page_cache import cached_page
from .security_headers import CONTENT_SECURITY_POLICY

bp = Blueprint("channels", __name__, url_prefix="/channels")
PER_PAGE = 100
ONE_YEAR = 365 * 24 * 3600
KIND_NAMES = {
    "topic": _l("Topic"),
    "video": _l("Video"),
    "audio": _l("Audio"),
    "document": _l("Document"),
    "html5": _l("Interactive app"),
    "exercise": _l("Exercise"),
}
# A resource page that holds an app frames it: this page may frame its own server's (sandboxed) app, no more.
APP_PAGE_CSP = CONTENT_SECURITY_POLICY.replace("frame-src 'none'", "frame-src 'self'")


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
        pages=pages, kind_names=KIND_NAMES,
    )  # fmt: skip


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
    return render_template(
        "channels/resource.html", tree=tree, node=found, path=tree.path(found), kind_names=KIND_NAMES
    )


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
