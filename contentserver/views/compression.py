"""Static files named by their content (a ?v=<hash> in every URL, so they are cached for a year as immutable) and
every text answer gzip-compressed for clients that take it: pages, search results, JSON, CSS and scripts."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

from flask import Flask, Response, request

from .page_cache import KEY_ENVIRON, accepts_gzip

ONE_YEAR = 365 * 24 * 3600
TEXT_TYPES = {"text/html", "text/css", "text/javascript", "application/javascript", "application/json", "text/plain"}
MIN_BYTES = 512  # below this, gzip's header and the CPU cost more than they save


class StaticAssets:
    """The static folder read once at start: each file's content hash and, for text, its gzip bytes."""

    def __init__(self, folder: Path):
        self.version: dict[str, str] = {}
        self.gzipped: dict[str, bytes] = {}
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            name, data = path.relative_to(folder).as_posix(), path.read_bytes()
            self.version[name] = hashlib.sha256(data).hexdigest()[:12]
            if path.suffix in (".css", ".js", ".svg", ".txt") and len(data) >= MIN_BYTES:
                self.gzipped[name] = gzip.compress(data, 9, mtime=0)


def _versioned_static(assets: StaticAssets):
    def add_version(endpoint: str, values: dict) -> None:
        if endpoint == "static" and "v" not in values and values.get("filename") in assets.version:
            values["v"] = assets.version[values["filename"]]

    return add_version


def _gzip(response: Response, body: bytes) -> None:
    response.direct_passthrough = False
    response.set_data(body)
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    etag, weak = response.get_etag()
    if etag and not weak:
        response.set_etag(etag, weak=True)  # the same resource, other bytes (RFC 9110 8.8.1)


def _static_answer(assets: StaticAssets, response: Response) -> Response:
    name = (request.view_args or {}).get("filename", "")
    if request.args.get("v") == assets.version.get(name):
        response.cache_control.max_age = ONE_YEAR
        response.cache_control.public = True
        response.cache_control.immutable = True
        response.cache_control.no_cache = None
    else:  # an old or no version: the current file, checked again next time
        response.cache_control.no_cache = True
        response.cache_control.max_age = None
    response.vary.add("Accept-Encoding")
    wants_gzip = accepts_gzip(request.headers.get("Accept-Encoding", ""))
    if response.status_code == 200 and name in assets.gzipped and wants_gzip:
        _gzip(response, assets.gzipped[name])
    return response


def compress_answers(assets: StaticAssets):
    def after(response: Response) -> Response:
        if request.endpoint == "static":
            return _static_answer(assets, response)
        if (
            response.status_code == 200
            and not response.direct_passthrough
            and not response.is_streamed
            and response.mimetype in TEXT_TYPES
            and "Content-Encoding" not in response.headers
            and KEY_ENVIRON not in request.environ  # a cached page: page_cache.py compresses it, once
            and (response.calculate_content_length() or 0) >= MIN_BYTES
        ):
            response.vary.add("Accept-Encoding")  # (a shorter answer is the same for everyone)
            if accepts_gzip(request.headers.get("Accept-Encoding", "")):
                _gzip(response, gzip.compress(response.get_data(), 6, mtime=0))
        return response

    return after


def init_compression(app: Flask) -> None:
    assert app.static_folder is not None
    assets = StaticAssets(Path(app.static_folder))
    app.extensions["static_assets"] = assets
    app.url_defaults(_versioned_static(assets))
    app.after_request(compress_answers(assets))
