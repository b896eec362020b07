"""Lessons to take home: the service worker at the site root and the saved-lessons page it keeps offline."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, send_from_directory

from .page_cache import cached_page

bp = Blueprint("offline", __name__)


@bp.get("/sw.js")
def service_worker() -> Response:
    """Served from / (not /static/) so that it may control the lesson pages; always revalidated."""
    assert current_app.static_folder is not None  # the app's own static/
    response = send_from_directory(current_app.static_folder, "sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/saved")
@cached_page
def saved() -> str:
    return render_template("offline/saved.html")
