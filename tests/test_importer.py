"""Import: objects into the store, lesson rows switched in one transaction; versions only ever move forward."""

from __future__ import annotations

import json
import os
import subprocess

from conftest import CONTENT, MP4_SHA, VENV_BIN, import_into, lesson_spec, sha
from importcheck import PNG, base_lessons, installed, library_state, newer, refuse, stored_files
from sqlalchemy import event, select

from contentserver.db import db
from contentserver.library.importer import ImportLimits, import_if_empty
from contentserver.library.store import data_version
from contentserver.models import InstalledLibrary, Lesson


def test_import_of_content_installs_every_lesson_and_object(app):
    result = import_into(app, CONTENT)
    lesson_dirs = sorted(p.name for p in CONTENT.iterdir() if (p / "lesson.md").is_file())
    assert sorted(result.added) == lesson_dirs and not result.updated and not result.removed
    with app.app_context():
        lessons = db.session.scalars(select(Lesson)).all()
        assert sorted(l.id for l in lessons) == lesson_dirs
        assert all(l.origin == "hub" and l.status == "published" for l in lessons)
        installed = db.session.scalars(select(InstalledLibrary)).one()
        assert installed.library_id == "kz-starter" and installed.format_version == 1
        store = app.extensions["object_store"]
        for lesson in lessons:
            assert store.has(lesson.body_sha256)
            assert all(store.has(a.sha256) for a in lesson.attachments)
        assert data_version() == 1


def test_reimporting_the_same_library_is_a_no_op(imported_app):
    before = library_state(imported_app)
    result = import_into(imported_app, CONTENT)
    assert result.unchanged and not (result.added or result.updated or result.removed)
    assert library_state(imported_app) == before


def test_importing_the_built_form_of_an_installed_source_library_is_a_no_op(imported_app, tmp_path):
    out = tmp_path / "built"
    done = subprocess.run(
        [str(VENV_BIN / "contentserver"), "build", str(CONTENT), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    before = library_state(imported_app)
    assert import_into(imported_app, out).unchanged
    assert library_state(imported_app) == before


def test_source_form_library_is_imported(app, make_library):
    result = import_into(app, make_library(base_lessons(), form="source"))
    assert sorted(result.added) == ["alpha", "beta"]
    with app.app_context():
        names = [a.name for a in db.session.get(Lesson, "alpha").attachments]
        assert names == ["clip.en.vtt", "clip.mp4", "leaf.png"]


def test_identical_files_are_stored_once(app, make_library):
    lessons = [lesson_spec(f"l{i}", attachments={"leaf.png": PNG, "copy.png": PNG}) for i in range(3)]
    import_into(app, make_library(lessons))
    with app.app_context():
        assert len([p for p in stored_files(app, "objects") if p.parent.name + p.name == sha(PNG)]) == 1
        assert len(stored_files(app, "objects")) == 2  # one shared body text, one image


def count_commits(app):
    commits = []
    with app.app_context():
        engine = db.engine
    listener = lambda _conn: commits.append(1)
    event.listen(engine, "commit", listener)
    return commits, lambda: event.remove(engine, "commit", listener)


def test_newer_version_adds_changes_and_removes_lessons_in_one_transaction(installed, make_library):
    app, before = installed
    newer = [
        lesson_spec("alpha", title="Alpha, revised", attachments={"leaf.png": PNG}),
        lesson_spec("gamma", grade=9, body="# Gamma\n"),
    ]
    commits, stop = count_commits(app)
    try:
        result = import_into(app, make_library(newer, version=2))
    finally:
        stop()
    assert (result.added, result.updated, result.removed) == (["gamma"], ["alpha"], ["beta"])
    assert len(commits) == 1
    after = library_state(app)
    assert [row[:2] for row in after["lessons"]] == [("alpha", "Alpha, revised"), ("gamma", "Lesson gamma")]
    assert [row[:3] for row in after["attachments"]] == [("alpha", 0, "leaf.png")]
    assert after["installed"][0][1] == 2
    assert after["data_version"] == before["data_version"] + 1


def test_unchanged_lessons_keep_their_rows_when_a_newer_version_arrives(installed, make_library):
    app, before = installed
    import_into(app, make_library(base_lessons() + ["delta"], version=2))
    after = library_state(app)
    assert [row for row in after["lessons"] if row[0] != "delta"] == before["lessons"]


def test_objects_already_in_the_store_are_not_copied_again(installed, make_library):
    app, _ = installed
    path = app.extensions["object_store"].path(MP4_SHA)
    mtime = path.stat().st_mtime_ns
    import_into(app, make_library(base_lessons() + ["delta"], version=2))
    assert path.stat().st_mtime_ns == mtime


def test_older_version_is_refused_and_nothing_changes(installed, make_library):
    app, _ = installed
    import_into(app, make_library(["alpha"], version=3))
    before = library_state(app)
    error = refuse(app, make_library(base_lessons(), version=2), before)
    assert error.field == "version" and "older than the installed version 3" in str(error)


def test_same_version_with_different_content_is_refused(installed, make_library):
    app, before = installed
    error = refuse(app, make_library(base_lessons() + ["delta"], version=1), before)
    assert error.field == "version" and "needs a higher version" in str(error)


def test_lesson_id_of_another_library_is_refused(installed, make_library):
    app, before = installed
    error = refuse(app, make_library(["beta"], library_id="other-lib"), before)
    assert "'beta' is already used by library 'test-lib'" in str(error)


def test_lesson_id_of_a_teachers_lesson_is_refused(app, make_library):
    with app.app_context():
        db.session.add(
            Lesson(
                id="alpha",
                title="Mine",
                lang="en",
                script="Latn",
                subject="math",
                grade=3,
                body_sha256="0" * 64,
                origin="local",
                status="published",
                library_id=None,
            )
        )
        db.session.commit()
    before = library_state(app)
    error = refuse(app, make_library(["alpha"]), before)
    assert "'alpha' is already used by a teacher's lesson" in str(error)


def test_first_start_imports_the_starter_library_only_when_nothing_is_installed(app, make_library):
    limits = ImportLimits.from_config(app.config)
    store = app.extensions["object_store"]
    with app.app_context():
        assert import_if_empty("", store, limits) is None
        assert import_if_empty(str(app.config["DATA_DIR"]) + "/nowhere", store, limits) is None
        first = import_if_empty(make_library(["alpha"]), store, limits)
        assert first.added == ["alpha"]
        assert import_if_empty(make_library(["beta"], library_id="other"), store, limits) is None


def test_cli_import_writes_nothing_outside_the_data_folder(tmp_path, make_library):
    root = newer(make_library)
    source_before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    data = tmp_path / "school-data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    env["HOME"] = str(tmp_path / "home")
    done = subprocess.run(
        [str(VENV_BIN / "contentserver"), "import", str(root), "--data", str(data)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cwd", "libraries", "school-data"]
    assert list(cwd.iterdir()) == []
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()} == source_before
    assert (data / "library.sqlite").is_file() and (data / "objects").is_dir()


def test_manifest_json_is_the_only_file_read_from_a_built_library_besides_objects(installed, make_library):
    """Reserved files (manifest.json.sig, parts) are ignored by a version 1 reader."""
    app, _ = installed
    root = newer(make_library)
    (root / "manifest.json.sig").write_bytes(b"\x00" * 64)
    (root / "README.txt").write_text("hello")
    assert import_into(app, root).added == ["gamma"]


def test_manifest_of_an_installed_library_is_remembered_by_hash(installed, make_library):
    app, _ = installed
    root = newer(make_library)
    import_into(app, root)
    with app.app_context():
        row = db.session.get(InstalledLibrary, "test-lib")
        assert row.manifest_sha256 == sha((root / "manifest.json").read_bytes())
        assert json.loads((root / "manifest.json").read_text())["version"] == row.version == 2
