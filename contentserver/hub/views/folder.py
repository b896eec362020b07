"""/hub/: this server's published hub folder, so a school can be the hub of its neighbour over the LAN."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Blueprint, Response, current_app, send_file

from ...errors import NotFound
from ...library.hubformat import HEAD_NAME

bp = Blueprint("hub", __name__, url_prefix="/hub")
HUB_FOLDER = "hub"
FILE_RE = re.compile(
    r"^(head\.signed|manifest\.json|i/[0-9]{1,15}\.signed|t/[0-9a-f]{64}"
    r"|objects/[0-9a-f]{2}/[0-9a-f]{62})$"
)
ONE_YEAR = 365 * 24 * 3600


def hub_folder() -> Path:
    """Where `contentserver publish --out` should write for this server to serve it: DATA_DIR/hub."""
    return Path(current_app.config["DATA_DIR"]) / HUB_FOLDER


@bp.get("/<path:name>")
def hub_file(name: str) -> Response:
    """A file of the hub folder, with ETag, If-None-Match and Range (the same protocol as nginx)."""
    if not FILE_RE.match(name):
        raise NotFound()
    path = hub_folder() / name
    if not path.is_file():
        raise NotFound()
    response = send_file(
        path,
        mimetype="application/octet-stream",
        conditional=True,
        etag=True,
        max_age=0 if name == HEAD_NAME else ONE_YEAR,
    )
    if name == HEAD_NAME:
        response.headers["Cache-Control"] = "no-cache"
    return response
