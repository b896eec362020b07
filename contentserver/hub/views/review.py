"""Admin page /admin/review (hub mode): preview what schools pushed, then approve or reject each lesson."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Response, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response as WerkzeugResponse

from ...errors import NotFound
from ...library import render_cache
from ...models import PushedLesson
from ...views.access import protect_blueprint, role_required
from .. import review

bp = Blueprint("review", __name__, url_prefix="/admin/review")
protect_blueprint(bp)


@dataclass
class Preview:
    item: PushedLesson
    entry: dict
    body_html: Markup
    attachments: list[tuple[str, str]]  # (name, preview URL)


def _object_url(sha256: str) -> str:
    return url_for("review.pushed_object", sha256=sha256)


def _preview(item: PushedLesson) -> Preview:
    """The body through the same renderer and sanitizer as a lesson page; its files from the admin-only route
    (a lesson under review is not public, so /objects/ does not serve its files yet)."""
    entry = item.entry
    urls = {a["name"]: _object_url(a["sha256"]) for a in entry["attachments"]}
    body, objects = entry["body"]["sha256"], current_app.extensions["object_store"]
    html = render_cache.page_html(objects, body, urls, lambda: objects.read_bytes(body).decode("utf-8"))
    return Preview(item, entry, Markup(html), list(urls.items()))  # noqa: S704


@bp.get("/")
@role_required("admin")
def index() -> str:
    return render_template("admin/review.html", previews=[_preview(item) for item in review.waiting()])


@bp.post("/<int:item_id>/approve")
@role_required("admin")
def approve(item_id: int) -> WerkzeugResponse:
    hub_id = review.approve(item_id, current_user.id, current_app.extensions["object_store"])
    flash(_("Lesson %(id)s approved: it is in the library now and goes out with the next publish.", id=hub_id))
    return redirect(url_for("review.index"), code=303)


@bp.post("/<int:item_id>/reject")
@role_required("admin")
def reject(item_id: int) -> WerkzeugResponse:
    review.reject(item_id, current_user.id)
    flash(_("Lesson rejected."))
    return redirect(url_for("review.index"), code=303)


@bp.get("/objects/<sha256>")
@role_required("admin")
def pushed_object(sha256: str) -> Response:
    """A file of a lesson waiting for review, for the preview (admins only, never cached by others)."""
    media_type = review.waiting_media_type(sha256)
    store = current_app.extensions["object_store"]
    if media_type is None or not store.has(sha256):
        raise NotFound()
    response = send_file(store.path(sha256), mimetype=media_type, conditional=True, etag=sha256)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
