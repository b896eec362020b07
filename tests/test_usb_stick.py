"""USB sticks: export with the hub's signature, import on a fresh school, parts, older sticks, a stick pulled out."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from conftest import VENV_BIN, lesson_spec, png_bytes
from nacl.signing import SigningKey
from nginx_hub import nginx
from sync_helpers import hub_and_school, installed, pin_hub, publish_folder, pull

from contentserver.db import db
from contentserver.library.format import ManifestError
from contentserver.library.importer import ImportLimits
from contentserver.library.usb import export_library, import_stick
from sync.errors import EXIT_OK

KEY = SigningKey.generate()
BIG = bytes(range(256)) * 1400  # 358,400 bytes: split into parts of 100,000
FAT32_NAME = re.compile(r"^[0-9a-z][0-9a-z.]{0,254}$")


def _lessons(extra: int = 0) -> list[dict]:
    lessons = [
        lesson_spec(f"u{i}", body=f"# USB {i}\n", attachments={"pic.png": png_bytes(2, 2, (i, 9, 9))})
        for i in range(6 + extra)
    ]
    lessons[0]["attachments"]["clip.mp4"] = BIG
    return lessons


@pytest.fixture
def synced(tmp_path, nginx, make_app, make_library):
    """A school that pulled version 1 from a hub, and a function to publish a new version."""
    hub_dir = tmp_path / "hub"
    app, _server = hub_and_school(
        nginx, make_app, hub_dir, KEY, make_library(_lessons(), version=1, library_id="usb"), USB_PART_BYTES=100_000
    )
    assert pull(app) == EXIT_OK

    def new_version(version: int, extra: int):
        publish_folder(make_library(_lessons(extra), version=version, library_id="usb"), hub_dir, KEY)
        assert pull(app) == EXIT_OK

    return app, new_version


def _export(app, stick):
    with app.app_context():
        return export_library(stick, app.extensions["object_store"], app.config["USB_PART_BYTES"])


@pytest.fixture
def fresh_school(tmp_path, make_app):
    """fresh_school(name, key) -> an app over its own data folder that pinned `key`."""

    def make(name: str, key: SigningKey = KEY):
        app = make_app(DATA_DIR=str(tmp_path / name))
        pin_hub(app, "http://hub.invalid/", key)
        return app

    return make


def _import(app, stick):
    with app.app_context():
        try:
            return import_stick(stick, app.extensions["object_store"], ImportLimits.from_config(app.config))
        finally:
            db.session.remove()


def test_export_then_import_on_a_fresh_school_installs_the_same_library(tmp_path, synced, fresh_school):
    app, _ = synced
    stick = tmp_path / "stick"
    result = _export(app, stick)
    assert result.split == 1
    names = [p.relative_to(stick) for p in stick.rglob("*")]
    assert all(FAT32_NAME.match(part) for name in names for part in name.parts)
    assert not any(p.is_symlink() for p in stick.rglob("*"))
    assert len([n for n in names if ".part" in n.name]) == 4
    school = fresh_school("fresh")
    _import(school, stick)
    assert installed(school) == installed(app)


def test_cli_import_of_a_stick_verifies_the_signature_and_refuses_an_unknown_key(tmp_path, synced, fresh_school):
    app, _ = synced
    stick = tmp_path / "stick"
    _export(app, stick)
    fresh_school("stranger", SigningKey.generate())
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    done = subprocess.run(
        [str(VENV_BIN / "contentserver"), "import", str(stick), "--data", str(tmp_path / "stranger")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "another key" in done.stderr
    fresh_school("friend")
    done = subprocess.run(
        [str(VENV_BIN / "contentserver"), "import", str(stick), "--data", str(tmp_path / "friend")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


def test_a_newer_stick_updates_and_an_older_one_is_refused_politely(tmp_path, synced, fresh_school):
    app, new_version = synced
    old_stick, new_stick = tmp_path / "old", tmp_path / "new"
    _export(app, old_stick)
    new_version(2, extra=2)
    _export(app, new_stick)
    school = fresh_school("school")
    _import(school, old_stick)
    assert installed(school)["versions"] == {"usb": 1}
    _import(school, new_stick)
    assert installed(school) == installed(app)
    with pytest.raises(ManifestError, match="newer version 2 is already installed"):
        _import(school, old_stick)
    assert installed(school)["versions"] == {"usb": 2}


def test_a_stick_pulled_out_midway_leaves_the_old_library_and_the_next_import_resumes(tmp_path, synced, fresh_school):
    app, new_version = synced
    school = fresh_school("school")
    first = tmp_path / "first"
    _export(app, first)
    _import(school, first)
    new_version(2, extra=30)
    stick = tmp_path / "stick"
    _export(app, stick)
    before = installed(school)
    objects = sorted((stick / "objects").rglob("*"))
    gone = [p for p in objects if p.is_file()][len(objects) // 2 :]
    moved = tmp_path / "moved"
    for path in gone:  # the stick is pulled: the second half can no longer be read
        target = moved / path.relative_to(stick)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)
    with pytest.raises(ManifestError, match="is missing|cannot be read"):
        _import(school, stick)
    assert installed(school) == before
    stored = {p.name for p in (tmp_path / "school" / "objects").rglob("*") if p.is_file()}
    shutil.copytree(moved, stick, dirs_exist_ok=True)  # plugged in again
    _import(school, stick)
    assert installed(school) == installed(app)
    assert len(stored) > len(before["lessons"]) + 1  # what was copied before the pull-out stayed
