"""The web server's app: the core app (core.py) plus the web layer, its parts started in one visible order."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .core import open_app
from .hub.views import folder, intake
from .template_cache import template_cache
from .views import (
    access,
    admin,
    admin_status,
    api,
    auth,
    books,
    browse,
    channels,
    error_pages,
    offline,
    page_cache,
    practice,
    search,
    security_headers,
    teach,
)
from .views.compression import init_compression
from .views.usage_layer import init_usage


def _secret_key(data_dir: Path) -> str:
    """The cookie-signing key: generated once into the data folder, never kept in the repo."""
    path = data_dir / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    return path.read_text().strip()


def init_proxy_fix(app: Flask) -> None:
    """Behind TRUSTED_PROXY_COUNT proxies, X-Forwarded-* say who the client is (serving.py keeps others out)."""
    if app.config["TRUSTED_PROXY_COUNT"] > 0:
        hops = app.config["TRUSTED_PROXY_COUNT"]
        # Flask's documented way to add WSGI middleware, though its stub types wsgi_app as a method
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app over one data folder; settings are validated before anything else happens."""
    app = open_app(test_config)
    data_dir = Path(app.config["DATA_DIR"])
    app.config.update(
        SECRET_KEY=app.config["SECRET_KEY"] or _secret_key(data_dir),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.jinja_env.bytecode_cache = template_cache(data_dir)  # checked against the sources (docs/performance.md)

    # WSGI layers wrap each other in this order, the last outermost:
    # ProxyFix -> usage -> book entries -> suggestions -> cached pages -> Flask
    security_headers.init_security_headers(app)  # before the page cache, which replays the headers it stored
    page_cache.init_page_cache(app)
    init_compression(app)
    error_pages.register_error_handlers(app)
    app.register_blueprint(browse.bp)
    search.init_search(app)
    app.register_blueprint(search.bp)
    api.init_suggest(app)  # after the page cache: its answers follow the cache's library version
    app.register_blueprint(api.bp)
    app.register_blueprint(practice.bp)
    channels.init_channels(app)
    access.init_access(app)
    for blueprint in (auth.bp, teach.bp, admin.bp, admin_status.api_bp, offline.bp, folder.bp):
        app.register_blueprint(blueprint)
    intake.init_intake(app)  # hub mode: the intake and review pages; otherwise push paths answer 404
    books.init_books(app)  # book entries are answered by their own WSGI layer, outside the page cache
    init_usage(app)  # outside the layers that answer pages, so every answer is timed and every page view counted
    init_proxy_fix(app)
    return app
