"""`contentserver import` of a Kolibri export: each channel a library of format version 3 (issue 17)."""

from __future__ import annotations

import hashlib
import json
import os
import time

import pytest
from click.testing import CliRunner
from kolibri_maker import ChannelBuilder, md5, storage_path
from test_kolibri_plan import HIGH, LOW, demo_channel

from contentserver.cleanup import collect
from contentserver.cli import main
from contentserver.db import db
from contentserver.kolibri.errors import ChannelError
from contentserver.kolibri.install import install_export
from contentserver.library.importer import ImportLimits
from contentserver.library.manifests import read_manifest
from contentserver.models import InstalledLibrary

DAY = 24 * 3600


@pytest.fixture
def cli(monkeypatch):
    for key in list(os.environ):
        if key.startswith("CONTENTSERVER_"):
            monkeypatch.delenv(key)
    runner = CliRunner()
    return lambda *args: runner.invoke(main, [str(a) for a in args], catch_exceptions=False)


def _install(app, path, channel=None):
    with app.app_context():
        store = app.extensions["object_store"]
        return install_export(path, store, ImportLimits.from_config(app.config), channel)


def test_a_channel_is_installed_as_a_library_with_its_files_stored_by_sha256(app, tmp_path):
    builder = demo_channel(tmp_path / "stick")
    ((summary, result),) = _install(app, tmp_path / "stick")
    assert result.library_id == f"kolibri-{builder.channel_id}" and result.version == 1 and not result.unchanged
    assert summary.by_kind == {"video": 1, "document": 1, "html5": 1, "exercise": 1}
    store = app.extensions["object_store"]
    assert store.has(hashlib.sha256(LOW).hexdigest()) and not store.has(hashlib.sha256(HIGH).hexdigest())
    with app.app_context():
        row = db.session.get(InstalledLibrary, result.library_id)
        assert row.format_version == 3 and row.title == "Демо"
        manifest = json.loads(read_manifest(store, row.manifest_sha256))
    (channel,) = manifest["channels"]
    tree = json.loads(store.read_bytes(channel["tree"]["sha256"]))
    titles = [node["title"] for node in tree["nodes"]]
    assert titles[:2] == ["Демо", "Физика"] and "Су" in titles and "H5P thing" not in titles
    video = next(node for node in tree["nodes"] if node["title"] == "Су")
    assert [f["role"] for f in video["files"]] == ["main", "subtitle", "subtitle"]
    assert all(store.has(ref["sha256"]) for ref in channel["files"])


def test_reimporting_the_same_version_is_a_no_op_and_a_newer_version_replaces_it(app, tmp_path):
    builder = demo_channel(tmp_path / "stick")
    _install(app, tmp_path / "stick")
    ((_summary, again),) = _install(app, tmp_path / "stick")
    assert again.unchanged
    builder.channel_version = 2
    builder.resource("document", "New in version 2", files=[("document", "pdf", b"%PDF-1.4 new")])
    builder.write()
    storage_path(tmp_path / "stick", md5(b"ID3 lost"), "mp3").unlink(missing_ok=True)
    ((_summary, newer),) = _install(app, tmp_path / "stick")
    assert newer.version == 2 and not newer.unchanged


def test_a_file_that_does_not_match_its_md5_stops_the_import_and_installs_nothing(app, tmp_path):
    demo_channel(tmp_path / "stick")
    storage_path(tmp_path / "stick", md5(b"%PDF-1.4 book"), "pdf").write_bytes(b"%PDF-1.4 swapped")
    with pytest.raises(ChannelError, match="does not match its md5 name"):
        _install(app, tmp_path / "stick")
    with app.app_context():
        assert db.session.query(InstalledLibrary).count() == 0


def test_contentserver_import_of_a_kolibri_export(cli, tmp_path):
    builder = ChannelBuilder(tmp_path / "stick", name="Bir kanal")
    builder.resource("document", "Doc", files=[("document", "pdf", b"%PDF-1.4 doc")])
    builder.write()
    done = cli("import", tmp_path / "stick", "--data", tmp_path / "data")
    assert done.exit_code == 0, done.output
    assert f"installed library kolibri-{builder.channel_id} version 1" in done.output
    assert "resources to import: 1 (document 1)" in done.output
    again = cli("import", tmp_path / "stick" / "content", "--data", tmp_path / "data")
    assert "is already installed; nothing to do" in again.output
    refused = cli("import", tmp_path / "stick", "--channel", "f" * 32, "--data", tmp_path / "data")
    assert refused.exit_code == 2 and "has no channel" in refused.output


def test_clean_up_keeps_an_installed_channels_files_and_drops_a_replaced_versions(app, tmp_path):
    builder = demo_channel(tmp_path / "stick")
    _install(app, tmp_path / "stick")
    store = app.extensions["object_store"]
    first = set(store)
    builder.channel_version = 2
    builder.nodes = [n for n in builder.nodes if n["title"] != "Кітап"]  # version 2 drops the book
    builder.write()
    storage_path(tmp_path / "stick", md5(b"ID3 lost"), "mp3").unlink(missing_ok=True)
    _install(app, tmp_path / "stick")
    for sha in store:
        old = time.time() - 8 * DAY
        os.utime(store.path(sha), (old, old))
    with app.app_context():
        collect(app, 7 * DAY)
    remaining = set(store)
    book = hashlib.sha256(b"%PDF-1.4 book").hexdigest()
    assert book in first and book not in remaining
    assert hashlib.sha256(LOW).hexdigest() in remaining and hashlib.sha256(b"WEBVTT\n\nkk").hexdigest() in remaining
    with app.app_context():
        row = db.session.get(InstalledLibrary, f"kolibri-{builder.channel_id}")
        channel = json.loads(read_manifest(store, row.manifest_sha256))["channels"][0]
    assert {channel["tree"]["sha256"], *(f["sha256"] for f in channel["files"])} <= remaining


def test_every_channel_of_an_export_is_installed_and_a_file_they_share_is_stored_once(app, tmp_path):
    """Two channels on one stick, both holding the same PDF: each channel its own library, the shared file one
    object in the content-addressed store (as a lesson's attachment with the same bytes would be)."""
    shared = b"%PDF-1.4 the same book in two channels"
    first = ChannelBuilder(tmp_path / "stick", name="One")
    first.resource("document", "Book", files=[("document", "pdf", shared)])
    first.write()
    second = ChannelBuilder(tmp_path / "stick", name="Two")
    second.resource("document", "Same book", files=[("document", "pdf", shared)])
    second.resource("audio", "Song", files=[("audio", "mp3", b"ID3 song")])
    second.write()
    done = _install(app, tmp_path / "stick")
    assert sorted(result.library_id for _summary, result in done) == sorted(
        f"kolibri-{b.channel_id}" for b in (first, second)
    )
    store = app.extensions["object_store"]
    sha = hashlib.sha256(shared).hexdigest()
    objects = [p for p in store.root.rglob("*") if p.is_file() and p.name.endswith(sha[2:])]
    assert store.has(sha) and len(objects) == 1
    (only,) = _install(app, tmp_path / "stick", second.channel_id)  # --channel picks one; already there
    assert only[1].unchanged and only[1].library_id == f"kolibri-{second.channel_id}"
