"""Checking imports: a snapshot of everything a reader could see, and a refusal that must leave it unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FAKE_MP4, PDF, PNG, VTT, import_into, lesson_spec
from sqlalchemy import select

from contentserver.db import db
from contentserver.library.format import ManifestError
from contentserver.library.store import data_version
from contentserver.models import Attachment, InstalledLibrary, Lesson


def library_state(app) -> dict:
    """Everything a reader could see of the installed library."""
    with app.app_context():
        return {
            "installed": [
                (i.library_id, i.version, i.manifest_sha256)
                for i in db.session.scalars(select(InstalledLibrary).order_by(InstalledLibrary.library_id))
            ],
            "lessons": [
                (
                    l.id,
                    l.title,
                    l.lang,
                    l.script,
                    l.subject,
                    l.grade,
                    l.tags_json,
                    l.body_sha256,
                    l.origin,
                    l.status,
                    l.library_id,
                    l.updated_at,
                )
                for l in db.session.scalars(select(Lesson).order_by(Lesson.id))
            ],
            "attachments": [
                (a.lesson_id, a.position, a.name, a.sha256, a.size)
                for a in db.session.scalars(select(Attachment).order_by(Attachment.lesson_id, Attachment.position))
            ],
            "data_version": data_version(),
        }


def stored_files(app, folder: str) -> list[Path]:
    return sorted(p for p in (Path(app.config["DATA_DIR"]) / folder).rglob("*") if p.is_file())


def base_lessons() -> list[dict]:
    return [
        lesson_spec("alpha", attachments={"clip.mp4": FAKE_MP4, "clip.en.vtt": VTT, "leaf.png": PNG}),
        lesson_spec("beta", subject="math", attachments={"sheet.pdf": PDF}),
    ]


@pytest.fixture
def installed(app, make_library):  # imported by the test modules that use it
    """An app with a small library (version 1) installed, and its state."""
    import_into(app, make_library(base_lessons()))
    return app, library_state(app)


def refuse(app, path: Path, before: dict) -> ManifestError:
    """Import must be refused, leaving the installed library and staging/ exactly as they were."""
    with pytest.raises(ManifestError) as info:
        import_into(app, path)
    assert library_state(app) == before
    assert stored_files(app, "staging") == []
    return info.value


def newer(make_library, **kwargs) -> Path:
    """Version 2 of the base library: the base lessons and a new one, gamma (lessons[2])."""
    return make_library(base_lessons() + [lesson_spec("gamma", title="New")], version=2, **kwargs)
