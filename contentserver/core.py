"""The core app every process opens over a data folder: settings, database (upgraded), object store, search index
and UI language; no page, blueprint or WSGI layer, so the sync job and the CLI load none (docs/architecture.md)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from .db import db
from .i18n import init_i18n
from .library.changes import on_lessons_changed
from .library.objects import ObjectStore
from .schema_upgrade import upgrade_schema
from .search.indexer import Indexer
from .settings import load_settings
from .usage import tables as _usage_tables  # noqa: F401 (its tables are made with the others)


def init_database(app: Flask) -> None:
    """The data folder's SQLite database, with the tables and columns of this version (schema_upgrade.py)."""
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{Path(app.config['DATA_DIR']) / 'library.sqlite'}"
    db.init_app(app)
    with app.app_context():
        db.create_all()
        upgrade_schema(db.engine, db.metadata)  # columns newer models added to an old data folder


def init_object_store(app: Flask) -> None:
    app.extensions["object_store"] = ObjectStore(Path(app.config["DATA_DIR"]))


def init_indexer(app: Flask) -> None:
    """The search index over the object store, built now when there is none yet, and updated with every change of
    lessons this process commits (library/changes.py), searchable on return."""
    indexer = Indexer(app.config["DATA_DIR"], app.extensions["object_store"], app.config["SEARCH_BUILD_MEMORY_MB"])
    app.extensions["indexer"] = indexer
    with app.app_context():
        indexer.ensure_built()
    on_lessons_changed(app, indexer.update_lessons)


def open_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """The core app over one data folder; settings are validated before anything else happens (SettingsError), and
    a database this version cannot upgrade refuses with SchemaUpgradeError."""
    settings = load_settings(overrides)
    data_dir = Path(settings["DATA_DIR"]).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    settings["DATA_DIR"] = str(data_dir)

    # the package's name, so templates and static files are contentserver/'s for the web layer on top
    app = Flask("contentserver", instance_path=str(data_dir))
    app.config.update(settings)
    init_database(app)
    init_object_store(app)
    init_indexer(app)  # after the database: a first build reads the lesson rows
    init_i18n(app)  # library messages (an account refused, a lesson refused) speak the school's language
    return app
