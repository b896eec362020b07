"""contentserver: an offline-first educational content server for small remote schools."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from .db import db
from .library.objects import ObjectStore
from .search.indexer import Indexer
from .settings import load_settings
from .template_cache import template_cache


def _secret_key(data_dir: Path) -> str:
    """The cookie-signing key: generated once into the data folder, never kept in the repo."""
    path = data_dir / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    return path.read_text().strip()


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app over one data folder; settings are validated before anything else happens."""
    settings = load_settings(test_config)
    data_dir = Path(settings["DATA_DIR"]).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    settings["DATA_DIR"] = str(data_dir)

    app = Flask(__name__, instance_path=str(data_dir))
    app.config.update(settings)
    app.config.update(
        SECRET_KEY=settings["SECRET_KEY"] or _secret_key(data_dir),
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{data_dir / 'library.sqlite'}",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    app.jinja_env.bytecode_cache = template_cache(data_dir)  # checked against the sources (docs/performance.md)
    app.extensions["object_store"] = ObjectStore(data_dir)
    app.extensions["indexer"] = Indexer(data_dir, app.extensions["object_store"], app.config["SEARCH_BUILD_MEMORY_MB"])

    db.init_app(app)
    with app.app_context():
        db.create_all()
        from .schema_upgrade import upgrade_schema  # columns newer models added to an old data folder

        upgrade_schema(db.engine, db.metadata)
        app.extensions["indexer"].ensure_built()

    from .i18n import init_i18n
    from .views import access, admin, auth, browse, error_pages, offline, page_cache, teach

    init_i18n(app)
    page_cache.init_page_cache(app)
    from .compression import init_compression

    init_compression(app)
    error_pages.register_error_handlers(app)
    app.register_blueprint(browse.bp)
    from .views import api, search

    app.register_blueprint(search.bp)
    app.register_blueprint(api.bp)
    access.init_access(app)
    for blueprint in (auth.bp, teach.bp, admin.bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(offline.bp)
    from .views import hub

    app.register_blueprint(hub.bp)
    from .views import intake

    intake.init_intake(app)
    if app.config["TRUSTED_PROXY_COUNT"] > 0:
        hops = app.config["TRUSTED_PROXY_COUNT"]
        # Flask's documented way to add WSGI middleware, though its stub types wsgi_app as a method
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    return app
