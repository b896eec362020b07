"""Import: objects into the store, lesson rows switched in one transaction; a broken library changes nothing."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import event, select

from conftest import (CONTENT, FAKE_MP4, VENV_BIN, VTT, hostile_names, import_into, lesson_spec, pdf_bytes,
                      png_bytes)
from contentserver.db import db
from contentserver.library.format import ManifestError
from contentserver.library.importer import ImportLimits, import_if_empty
from contentserver.library.store import data_version
from contentserver.models import Attachment, InstalledLibrary, Lesson

PNG = png_bytes()


def library_state(app) -> dict:
    """Everything a reader could see of the installed library."""
    with app.app_context():
        return {
            "installed": [(i.library_id, i.version, i.manifest_sha256) for i in db.session.scalars(
                select(InstalledLibrary).order_by(InstalledLibrary.library_id))],
            "lessons": [(l.id, l.title, l.lang, l.script, l.subject, l.grade, l.tags_json, l.body_sha256, l.origin,
                         l.status, l.library_id, l.updated_at) for l in db.session.scalars(
                select(Lesson).order_by(Lesson.id))],
            "attachments": [(a.lesson_id, a.position, a.name, a.sha256, a.size) for a in db.session.scalars(
                select(Attachment).order_by(Attachment.lesson_id, Attachment.position))],
            "data_version": data_version(),
        }


def stored_files(app, folder: str) -> list[Path]:
    return sorted(p for p in (Path(app.config["DATA_DIR"]) / folder).rglob("*") if p.is_file())


def base_lessons() -> list[dict]:
    return [lesson_spec("alpha", attachments={"clip.mp4": FAKE_MP4, "clip.en.vtt": VTT, "leaf.png": PNG}),
            lesson_spec("beta", subject="math", attachments={"sheet.pdf": pdf_bytes()})]


@pytest.fixture
def installed(app, make_library):
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


# --- the good paths -------------------------------------------------------------------------------------

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
    done = subprocess.run([str(VENV_BIN / "contentserver"), "build", str(CONTENT), "--out", str(out)],
                          capture_output=True, text=True, timeout=120)
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
        assert len([p for p in stored_files(app, "objects")
                    if p.parent.name + p.name == hashlib.sha256(PNG).hexdigest()]) == 1
        assert len(stored_files(app, "objects")) == 2  # one shared body text, one image


def count_commits(app):
    commits = []
    with app.app_context():
        engine = db.engine
    listener = lambda _conn: commits.append(1)  # noqa: E731
    event.listen(engine, "commit", listener)
    return commits, lambda: event.remove(engine, "commit", listener)


def test_newer_version_adds_changes_and_removes_lessons_in_one_transaction(installed, make_library):
    app, before = installed
    newer = [lesson_spec("alpha", title="Alpha, revised", attachments={"leaf.png": PNG}),
             lesson_spec("gamma", grade=9, body="# Gamma\n")]
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
    sha = hashlib.sha256(FAKE_MP4).hexdigest()
    path = app.extensions["object_store"].path(sha)
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
        db.session.add(Lesson(id="alpha", title="Mine", lang="en", script="Latn", subject="math", grade=3,
                              body_sha256="0" * 64, origin="local", status="published", library_id=None))
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


# --- broken libraries -------------------------------------------------------------------------------------

def object_file(root: Path, data: bytes) -> Path:
    sha = hashlib.sha256(data).hexdigest()
    return root / "objects" / sha[:2] / sha[2:]


def newer(make_library, **kwargs) -> Path:
    return make_library(base_lessons() + [lesson_spec("gamma", title="New")], version=2, **kwargs)


@pytest.mark.parametrize("damage, words", [
    (lambda f: f.unlink(), "is missing"),
    (lambda f: f.write_bytes(f.read_bytes()[:-10]), "has 2038 bytes, the manifest declares 2048"),
    (lambda f: f.write_bytes(f.read_bytes() + b"extra"), "more than the 2048 bytes"),
    (lambda f: f.write_bytes(b"\xff" + f.read_bytes()[1:]), "does not match its sha256"),
    (lambda f: f.unlink() or f.mkdir(), "cannot be read"),
], ids=["missing", "truncated", "oversized", "wrong-sha256", "directory"])
def test_broken_object_is_refused_naming_its_file_and_field(installed, make_library, damage, words):
    app, before = installed
    root = newer(make_library)
    with app.app_context():
        app.extensions["object_store"].path(hashlib.sha256(FAKE_MP4).hexdigest()).unlink()
    before_objects = stored_files(app, "objects")
    damage(object_file(root, FAKE_MP4))
    error = refuse(app, root, before)
    assert str(object_file(root, FAKE_MP4)) in error.file
    assert error.field == "lessons[0].attachments[1] (clip.mp4)" and words in str(error)
    assert stored_files(app, "objects") == before_objects, "a bad object never enters the store"


@pytest.mark.parametrize("body", [b"# Title\n\xff\xfe not text", pdf_bytes() + b"\xff"])
def test_lesson_body_that_is_not_utf8_is_refused(installed, make_library, body):
    app, before = installed
    error = refuse(app, make_library(base_lessons() + [lesson_spec("gamma", body=body)], version=2), before)
    assert error.field == "lessons[2].body" and "not UTF-8" in str(error)


def test_object_larger_than_max_object_bytes_is_refused(make_app, make_library):
    app = make_app(MAX_OBJECT_BYTES=1000)
    error = refuse(app, make_library(base_lessons()), library_state(app))
    assert "at most 1000 are accepted" in str(error) and error.field == "lessons[0].attachments[1] (clip.mp4)"
    assert stored_files(app, "objects") == []


def rewrite_manifest(root: Path, change) -> Path:
    path = root / "manifest.json"
    path.write_bytes(change(path.read_bytes()))
    return root


@pytest.mark.parametrize("change, words", [
    (lambda raw: raw[: len(raw) // 2], "is not valid JSON"),
    (lambda raw: raw.replace(b'"New"', b'"N\xffw"'), "is not valid UTF-8"),
    (lambda raw: raw.replace(b'"tags": [', b'"tags": ' + b"[" * 100_000 + b"]" * 100_000 + b", ["),
     "nested too deeply"),
    (lambda raw: raw.replace(b'"format_version": 1', b'"format_version": 2'), "format version 2"),
    (lambda raw: b"", "is not valid JSON"),
], ids=["bad-json", "invalid-utf8", "deeply-nested", "unknown-format-version", "empty"])
def test_unreadable_manifest_is_refused_and_nothing_changes(installed, make_library, change, words):
    app, before = installed
    error = refuse(app, rewrite_manifest(newer(make_library), change), before)
    assert error.file == "manifest.json" and words in str(error)


def test_unknown_format_version_message_says_which_version_is_needed(installed, make_library):
    app, before = installed
    root = newer(make_library, edit=lambda m: m.update(format_version=2))
    error = refuse(app, root, before)
    assert error.field == "format_version" and "reads version 1" in str(error) and "upgrade" in str(error)


def attachment_named(name: str):
    def edit(manifest):
        manifest["lessons"][2]["attachments"] = [
            {"name": name, "sha256": hashlib.sha256(PNG).hexdigest(), "size": len(PNG),
             "type": {".mp4": "video/mp4", ".jpg": "image/jpeg"}.get(os.path.splitext(name)[1], "application/pdf")}]
    return edit


@pytest.mark.parametrize("name", hostile_names())
def test_hostile_attachment_name_is_refused(installed, make_library, name):
    app, before = installed
    error = refuse(app, newer(make_library, edit=attachment_named(name)), before)
    assert error.file == "manifest.json" and error.field == "lessons[2].attachments[0].name"


@pytest.mark.parametrize("name", hostile_names())
def test_hostile_lesson_id_is_refused(installed, make_library, name):
    app, before = installed
    error = refuse(app, newer(make_library, edit=lambda m: m["lessons"][2].update(id=name)), before)
    assert error.file == "manifest.json" and error.field == "lessons[2].id"


def test_duplicate_lesson_ids_are_refused(installed, make_library):
    app, before = installed
    error = refuse(app, newer(make_library, edit=lambda m: m["lessons"][2].update(id="alpha")), before)
    assert error.field == "lessons[2].id" and "appears twice" in str(error)


@pytest.mark.parametrize("key", ["id", "title", "lang", "script", "subject", "grade", "body"])
def test_lesson_with_a_missing_field_is_refused_naming_it(installed, make_library, key):
    app, before = installed
    error = refuse(app, newer(make_library, edit=lambda m: m["lessons"][2].pop(key)), before)
    assert error.field.startswith(f"lessons[2].{key}")


@pytest.mark.parametrize("key", ["library_id", "version", "created", "lessons", "format_version"])
def test_manifest_with_a_missing_top_level_field_is_refused(installed, make_library, key):
    app, before = installed
    error = refuse(app, newer(make_library, edit=lambda m: m.pop(key)), before)
    assert error.field == key and "is missing" in str(error)


def test_manifest_larger_than_max_manifest_bytes_is_refused(make_app, make_library):
    app = make_app(MAX_MANIFEST_BYTES=500)
    root = make_library(base_lessons())
    error = refuse(app, root, library_state(app))
    size = (root / "manifest.json").stat().st_size
    assert error.file == "manifest.json" and f"is {size} bytes; at most 500" in str(error)


def test_more_lessons_than_max_lessons_is_refused(make_app, make_library):
    app = make_app(MAX_LESSONS=2)
    import_into(app, make_library(["a", "b"]))
    before = library_state(app)
    error = refuse(app, make_library(["a", "b", "c"], version=2), before)
    assert error.field == "lessons" and "3 lessons; at most 2" in str(error)


def test_a_failed_import_can_be_retried_once_the_library_is_fixed(installed, make_library):
    app, before = installed
    root = make_library(base_lessons() + [lesson_spec("gamma", attachments={"new.png": png_bytes(3, 3)})],
                        version=2)
    broken = object_file(root, png_bytes(3, 3))
    good = broken.read_bytes()
    broken.write_bytes(b"x" * len(good))
    refuse(app, root, before)
    broken.write_bytes(good)
    assert import_into(app, root).added == ["gamma"]


def test_cli_import_writes_nothing_outside_the_data_folder(tmp_path, make_library):
    root = newer(make_library)
    source_before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    data = tmp_path / "school-data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    env["HOME"] = str(tmp_path / "home")
    done = subprocess.run([str(VENV_BIN / "contentserver"), "import", str(root), "--data", str(data)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
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
        assert row.manifest_sha256 == hashlib.sha256((root / "manifest.json").read_bytes()).hexdigest()
        assert json.loads((root / "manifest.json").read_text())["version"] == row.version == 2
