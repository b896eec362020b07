"""Issue 22 over the link, the pull: a hub that converted its video publishes the low copy and the poster as objects
of their own (format 4); a real nginx serves it; a school with VIDEO_PULL "low" never fetches the original, one with
"all" fetches it too, and the lesson page offers what the box has."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import EN, VENV_BIN, import_into, lesson_spec
from nacl.signing import SigningKey
from nginx_hub import nginx
from sync_helpers import pin_hub, publish_folder, pull
from video_support import make_clip

from contentserver.db import db
from contentserver.library.format import parse_manifest
from contentserver.library.importer import ImportLimits
from contentserver.library.usb import export_library, import_stick
from contentserver.models import InstalledLibrary, VideoJob, VideoRendition
from contentserver.video import queue, worker
from sync.errors import EXIT_OK

KEY = SigningKey.generate()


def _publish(data_dir: Path, out: Path) -> str:
    """`contentserver publish --out OUT` of the hub's installed library, as an admin runs it; what it printed."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    key = data_dir / "keys" / "hub.key"
    done = subprocess.run(
        [str(VENV_BIN / "contentserver"), "publish", "--out", str(out), "--key", str(key), "--data", str(data_dir)],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return " ".join((done.stdout + done.stderr).split())


@pytest.fixture
def video_hub(tmp_path, make_app, make_library, nginx):
    """A hub that imported a lesson with a real 720p clip and published it at once (its copy not made yet), then
    converted it and published again with the copies listed; nginx serves the hub folder.
    -> (server, original sha256, its size, {kind: (sha256, size)})."""
    clip = make_clip(tmp_path / "clip.mp4", 1280, 720, 4)
    lesson = lesson_spec("film", body="# Film\n\nWatch it.\n", attachments={"clip.mp4": clip})
    data = tmp_path / "hub-data"
    hub = make_app(DATA_DIR=str(data))
    import_into(hub, make_library([lesson], version=1, library_id="films"))
    (data / "keys").mkdir(mode=0o700)
    (data / "keys" / "hub.key").write_text(bytes(KEY).hex())
    hub_dir = tmp_path / "hub"
    with hub.app_context():
        assert queue.enqueue_missing() == 1
        db.session.remove()
    assert "videos without a low copy yet: 1" in _publish(data, hub_dir)
    assert json.loads((hub_dir / "manifest.json").read_bytes())["format_version"] == 1
    assert worker.run_once(hub)
    assert "without a low copy" not in _publish(data, hub_dir)
    assert "already published: films version 2" in _publish(data, hub_dir), "the copies made it version 2, once"
    with hub.app_context():
        copies = {row.kind: (row.rendition_sha256, row.size) for row in db.session.scalars(db.select(VideoRendition))}
        db.session.remove()
    return nginx(hub_dir), hashlib.sha256(clip).hexdigest(), len(clip), copies


def _school(make_app, server, name: str, tmp_path: Path, **settings):
    app = make_app(DATA_DIR=str(tmp_path / name), **settings)
    pin_hub(app, server.url, KEY)
    return app


def _fetched(server) -> dict[str, int]:
    """Body bytes nginx sent per object (the pack and manifest transfers are under t/)."""
    sent: dict[str, int] = {}
    for _status, _bytes, body, _range, uri in server.log_records():
        if uri.startswith("/objects/"):
            sha = uri[len("/objects/") :].replace("/", "")
            sent[sha] = sent.get(sha, 0) + body
    return sent


def _page(app) -> str:
    return app.test_client().get("/lessons/film", headers=EN).get_data(as_text=True)


def _status(app, path: str) -> int:
    with app.test_client().get(path) as response:
        return response.status_code


def test_the_hub_lists_the_copies_as_objects_in_format_4(tmp_path, video_hub):
    _server, original, size, copies = video_hub
    manifest = json.loads((tmp_path / "hub" / "manifest.json").read_bytes())
    assert manifest["format_version"] == 4
    (video,) = manifest["lessons"][0]["attachments"]
    assert (video["sha256"], video["size"]) == (original, size)
    listed = {r["kind"]: (r["sha256"], r["size"], r["type"]) for r in video["renditions"]}
    assert listed == {
        "low": (*copies["low"], "video/mp4"),
        "poster": (*copies["poster"], "image/jpeg"),
    }
    for sha, _size in copies.values():
        assert (tmp_path / "hub" / "objects" / sha[:2] / sha[2:]).is_file()


def test_a_low_school_pulls_no_original_and_its_page_offers_the_copy(tmp_path, make_app, video_hub):
    server, original, size, copies = video_hub
    app = _school(make_app, server, "school", tmp_path)  # VIDEO_PULL defaults to low
    server.reset()
    assert pull(app) == EXIT_OK
    fetched, wire = _fetched(server), server.wire()
    assert original not in fetched, "the original never left the hub"
    low_sha, low_size = copies["low"]
    assert wire < low_size + copies["poster"][1] + 64 * 1024 < size / 4, (wire, size)
    store = app.extensions["object_store"]
    assert not store.has(original) and store.has(low_sha) and store.has(copies["poster"][0])
    with app.app_context():
        row = db.session.get(InstalledLibrary, "films")
        assert (row.version, row.format_version) == (2, 4), "installed whole: nothing looks half-synced"
        assert db.session.get(VideoJob, original).state == "done", "no conversion of a file the box lacks"
        assert db.session.get(VideoRendition, (original, "low")).rendition_sha256 == low_sha
        db.session.remove()
    page = _page(app)
    assert f"/objects/{low_sha}" in page and f'poster="/objects/{copies["poster"][0]}"' in page
    assert f"/objects/{original}" not in page, "nothing on the page points at a file the box does not have"
    assert _status(app, f"/objects/{low_sha}") == 200
    assert _status(app, f"/objects/{original}") == 404
    server.reset()
    assert pull(app) == EXIT_OK
    assert [status for status, _sent, _uri in server.log_lines()] == [304], "up to date: the left original is no gap"


def test_an_all_school_pulls_the_original_too_and_offers_every_rendition(tmp_path, make_app, video_hub):
    server, original, size, copies = video_hub
    app = _school(make_app, server, "school", tmp_path, VIDEO_PULL="all")
    server.reset()
    assert pull(app) == EXIT_OK
    fetched = _fetched(server)
    assert fetched[original] == size
    assert server.wire() > size + copies["low"][1]
    page = _page(app)
    assert all(f"/objects/{sha}" in page for sha in (original, copies["low"][0], copies["poster"][0]))
    assert "Data saver:" in page


def test_switching_to_all_fetches_the_originals_left_behind_at_the_next_pull(tmp_path, make_app, video_hub):
    server, original, size, _copies = video_hub
    low = _school(make_app, server, "school", tmp_path)
    assert pull(low) == EXIT_OK
    assert not low.extensions["object_store"].has(original)
    everything = make_app(DATA_DIR=str(tmp_path / "school"), VIDEO_PULL="all")
    server.reset()
    assert pull(everything) == EXIT_OK
    assert _fetched(server) == {original: size}
    assert everything.extensions["object_store"].has(original)
    assert f"/objects/{original}" in _page(everything)


def test_a_stick_from_a_low_school_imports_elsewhere_with_the_copy_alone(tmp_path, make_app, video_hub):
    server, original, _size, copies = video_hub
    app = _school(make_app, server, "school", tmp_path)
    assert pull(app) == EXIT_OK
    stick = tmp_path / "stick"
    with app.app_context():
        result = export_library(stick, app.extensions["object_store"], app.config["USB_PART_BYTES"])
        db.session.remove()
    assert result.objects == 3, "body, low copy and poster: the original is not on the box, so not on the stick"
    for settings in ({}, {"VIDEO_PULL": "all"}):  # either way the stick's copy is enough
        other = _school(make_app, server, f"other-{len(settings)}", tmp_path, **settings)
        with other.app_context():
            done = import_stick(stick, other.extensions["object_store"], ImportLimits.from_config(other.config))
            db.session.remove()
        assert done.added == ["film"]
        page = _page(other)
        assert f"/objects/{copies['low'][0]}" in page and f"/objects/{original}" not in page


def test_a_stick_that_carries_the_original_follows_the_importing_box_s_choice(tmp_path, make_app, video_hub):
    server, original, _size, copies = video_hub
    app = _school(make_app, server, "school", tmp_path, VIDEO_PULL="all")
    assert pull(app) == EXIT_OK
    stick = tmp_path / "stick"
    with app.app_context():
        assert export_library(stick, app.extensions["object_store"], app.config["USB_PART_BYTES"]).objects == 4
        db.session.remove()
    for choice in ("low", "all"):
        other = _school(make_app, server, f"other-{choice}", tmp_path, VIDEO_PULL=choice)
        with other.app_context():
            import_stick(stick, other.extensions["object_store"], ImportLimits.from_config(other.config))
            db.session.remove()
        assert other.extensions["object_store"].has(original) == (choice == "all")
        assert other.extensions["object_store"].has(copies["low"][0])


def test_a_library_without_renditions_still_imports_and_its_video_comes_whole(tmp_path, make_app, make_library, nginx):
    clip = make_clip(tmp_path / "clip.mp4", 640, 360, 2)
    library = make_library(
        [lesson_spec("film", attachments={"clip.mp4": clip})], version=1, library_id="films", name="old"
    )
    assert json.loads((library / "manifest.json").read_bytes())["format_version"] == 1
    hub_dir = tmp_path / "hub"
    publish_folder(library, hub_dir, KEY)
    assert json.loads((hub_dir / "manifest.json").read_bytes())["format_version"] == 1, "no copies: v1 bytes"
    server = nginx(hub_dir)
    app = _school(make_app, server, "school", tmp_path)
    assert pull(app) == EXIT_OK
    assert app.extensions["object_store"].has(
        parse_manifest((hub_dir / "manifest.json").read_bytes(), 10).lessons[0].attachments[0].sha256
    ), "the only copy comes"
    with app.app_context():
        assert db.session.get(InstalledLibrary, "films").format_version == 1
        db.session.remove()
