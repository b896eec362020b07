"""A broken library is refused with a message naming the file and the field, and nothing installed changes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import FAKE_MP4, MP4_SHA, hostile_names, import_into, lesson_spec, object_file, pdf_bytes, png_bytes, sha
from importcheck import PNG, base_lessons, installed, library_state, newer, refuse, stored_files


@pytest.mark.parametrize(
    "damage, words",
    [
        (lambda f: f.unlink(), "is missing"),
        (lambda f: f.write_bytes(f.read_bytes()[:-10]), "has 2038 bytes, the manifest declares 2048"),
        (lambda f: f.write_bytes(f.read_bytes() + b"extra"), "more than the 2048 bytes"),
        (lambda f: f.write_bytes(b"\xff" + f.read_bytes()[1:]), "does not match its sha256"),
        (lambda f: f.unlink() or f.mkdir(), "cannot be read"),
    ],
    ids=["missing", "truncated", "oversized", "wrong-sha256", "directory"],
)
def test_broken_object_is_refused_naming_its_file_and_field(installed, make_library, damage, words):
    app, before = installed
    root = newer(make_library)
    with app.app_context():
        app.extensions["object_store"].path(MP4_SHA).unlink()
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


@pytest.mark.parametrize(
    "change, words",
    [
        (lambda raw: raw[: len(raw) // 2], "is not valid JSON"),
        (lambda raw: raw.replace(b'"New"', b'"N\xffw"'), "is not valid UTF-8"),
        (
            lambda raw: raw.replace(b'"tags": [', b'"tags": ' + b"[" * 100_000 + b"]" * 100_000 + b", ["),
            "nested too deeply",
        ),
        (lambda raw: raw.replace(b'"format_version": 1', b'"format_version": 5'), "format version 5"),
        (lambda raw: b"", "is not valid JSON"),
    ],
    ids=["bad-json", "invalid-utf8", "deeply-nested", "unknown-format-version", "empty"],
)
def test_unreadable_manifest_is_refused_and_nothing_changes(installed, make_library, change, words):
    app, before = installed
    error = refuse(app, rewrite_manifest(newer(make_library), change), before)
    assert error.file == "manifest.json" and words in str(error)


def test_unknown_format_version_message_says_which_version_is_needed(installed, make_library):
    app, before = installed
    root = newer(make_library, edit=lambda m: m.update(format_version=5))
    error = refuse(app, root, before)
    assert error.field == "format_version" and "reads version 1, 2, 3, 4" in str(error) and "upgrade" in str(error)


def attachment_named(name: str):
    def edit(manifest):
        manifest["lessons"][2]["attachments"] = [
            {
                "name": name,
                "sha256": sha(PNG),
                "size": len(PNG),
                "type": {".mp4": "video/mp4", ".jpg": "image/jpeg"}.get(os.path.splitext(name)[1], "application/pdf"),
            }
        ]

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
    root = make_library(base_lessons() + [lesson_spec("gamma", attachments={"new.png": png_bytes(3, 3)})], version=2)
    broken = object_file(root, png_bytes(3, 3))
    good = broken.read_bytes()
    broken.write_bytes(b"x" * len(good))
    refuse(app, root, before)
    broken.write_bytes(good)
    assert import_into(app, root).added == ["gamma"]
