"""Admin page /admin/poster: the printable poster with the box's addresses, as PDF, SVG or a page showing it."""

from __future__ import annotations

from flask import Response, current_app, render_template, request

from ..box_address import lan_addresses, split_host
from ..errors import NotFound
from ..poster import poster_content
from ..poster_draw import make_poster

MIMETYPES = {"pdf": "application/pdf", "svg": "image/svg+xml"}


def _port() -> int:
    """PUBLIC_PORT, else the port this page was opened on: the admin's browser reached the box the way phones do."""
    split = split_host(request.host)
    port = split[1] if split else None
    return current_app.config["PUBLIC_PORT"] or port or 80


def poster() -> Response | str:
    """(Registered on the admin blueprint by views/admin.py.) ?format=pdf|svg sends the file itself."""
    content = poster_content(current_app.config, lan_addresses(), _port())
    kind = request.args.get("format")
    if kind is None:
        return render_template("admin/poster.html", content=content)
    if kind not in MIMETYPES:
        raise NotFound()
    response = Response(make_poster(content, kind), mimetype=MIMETYPES[kind])
    if kind == "pdf":
        response.headers["Content-Disposition"] = 'attachment; filename="poster.pdf"'
    return response
