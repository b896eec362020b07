"""Helpers for the sync tests: a hub key, publishing into a folder nginx serves, a school that pins the hub."""

from __future__ import annotations

import hashlib
from pathlib import Path

from nacl.signing import SigningKey

from contentserver.db import db
from contentserver.library.bundle import open_library
from contentserver.library.publish import publish
from contentserver.models import Attachment, Hub, InstalledLibrary, Lesson

LIMITS = dict(max_manifest_bytes=64 * 1024 * 1024, max_lessons=500_000)


def publish_folder(source: Path, hub_dir: Path, key: SigningKey):
    """Publish the library at `source` into `hub_dir` as `contentserver publish` does."""
    return publish(open_library(source, LIMITS["max_manifest_bytes"], LIMITS["max_lessons"]), hub_dir, key, **LIMITS)


def pin_hub(app, url: str, key: SigningKey) -> None:
    with app.app_context():
        db.session.add(Hub(url=url, public_key=key.verify_key.encode().hex()))
        db.session.commit()


def hub_and_school(
    nginx, make_app, hub_dir: Path, key: SigningKey, library: Path | None = None, extra: str = "", **settings
):
    """(school app with `settings`, nginx serving `hub_dir` with `extra` config): the school pinned that hub.

    `library`, when given, is published into `hub_dir` first."""
    if library is not None:
        publish_folder(library, hub_dir, key)
    server = nginx(hub_dir, extra=extra)
    app = make_app(**settings)
    pin_hub(app, server.url, key)
    return app, server


def pull(app) -> int:
    from sync.runner import pull_all

    with app.app_context():
        code = pull_all(app, quiet=True)
        db.session.remove()
        return code


def installed(app) -> dict:
    """What the school has: library versions, lessons (id -> body sha) and whether every object verifies."""
    store = app.extensions["object_store"]
    with app.app_context():
        versions = {row.library_id: row.version for row in db.session.scalars(db.select(InstalledLibrary))}
        lessons = {row.id: row.body_sha256 for row in db.session.scalars(db.select(Lesson))}
        shas = set(lessons.values()) | {a.sha256 for a in db.session.scalars(db.select(Attachment))}
        db.session.remove()
    ok = all(store.has(sha) and hashlib.sha256(store.read_bytes(sha)).hexdigest() == sha for sha in shas)
    return {"versions": versions, "lessons": lessons, "objects_verify": ok}
