"""A library holding a Kolibri channel travels like any other: published by a hub, pulled by a school through
nginx (signed, objects verified), exported to a USB stick and imported on a school with no network; each school
then shows the channel's pages, answers its exercise and finds it in search; the channel's next version arrives
by the next pull, with its new resource and a new search index in place of the old."""

from __future__ import annotations

import hashlib
import re

from channel_support import LOW, MP3, PDF, install_channel, school_channel
from nacl.signing import SigningKey
from nginx_hub import nginx
from sync_helpers import hub_and_school, pin_hub, publish_folder, pull

from contentserver.channels.exercises import exercise_text
from contentserver.channels.textindex import index_channels
from contentserver.db import db
from contentserver.library.importer import ImportLimits
from contentserver.library.usb import export_library, import_stick
from contentserver.models import InstalledLibrary
from sync.errors import EXIT_OK

KEY = SigningKey.generate()
EN = {"Accept-Language": "en"}


def _library_folder(app, folder):
    """The hub's installed channel library as a library folder (objects and manifest.json): what it publishes."""
    with app.app_context():
        export_library(folder, app.extensions["object_store"], 1 << 40)
        db.session.remove()
    return folder


def _shows_the_channel(app, builder) -> None:
    with app.app_context():
        index_channels(app.config["DATA_DIR"], app.extensions["object_store"], exercise_text)
        db.session.remove()
    client = app.test_client()
    home = client.get("/", headers=EN).get_data(as_text=True)
    assert f"/channels/{builder.channel_id}/" in home
    exercise = builder.node_id("Санау")
    page = client.get(f"/channels/{builder.channel_id}/{exercise}", headers=EN).get_data(as_text=True)
    token = re.findall(r'name="token" value="([^"]+)"', page)[0]
    answered = client.post("/practice/answer", data={"token": token, "answer": "0"}, headers=EN)
    assert "Right!" in answered.get_data(as_text=True)
    found = client.get("/search", query_string={"q": "айналым"}, headers=EN).get_data(as_text=True)
    assert f"/channels/{builder.channel_id}/" in found


def test_a_channel_is_published_pulled_and_carried_on_a_stick(tmp_path, nginx, make_app):
    builder = school_channel(tmp_path / "kolibri")
    hub_app = make_app(DATA_DIR=str(tmp_path / "hub-data"))
    install_channel(hub_app, tmp_path / "kolibri")
    source = _library_folder(hub_app, tmp_path / "hub-library")

    school, _server = hub_and_school(nginx, make_app, tmp_path / "hub", KEY, source, DATA_DIR=str(tmp_path / "s1"))
    assert pull(school) == EXIT_OK
    with school.app_context():
        row = db.session.get(InstalledLibrary, f"kolibri-{builder.channel_id}")
        assert row is not None and row.format_version == 3
        db.session.remove()
    _shows_the_channel(school, builder)
    assert pull(school) == EXIT_OK  # nothing new: a no-op

    builder.channel_version = 2  # the hub imports the channel's next version and publishes it
    new = builder.resource("document", "Жаңа кітап", files=[("document", "pdf", b"%PDF-1.4 new in 2")])
    builder.write()
    install_channel(hub_app, tmp_path / "kolibri")
    publish_folder(_library_folder(hub_app, tmp_path / "hub-library-2"), tmp_path / "hub", KEY)
    _server.reset()
    assert pull(school) == EXIT_OK
    # a delta: the changed objects only (the new PDF, the new tree: here inside the signed head, one request of a
    # few KB), never the files the school already has
    asked = [uri for _status, _sent, uri in _server.log_lines()]
    unchanged = [hashlib.sha256(data).hexdigest() for data in (LOW, PDF, MP3)]
    assert asked and not [uri for uri in asked if any(sha in uri for sha in unchanged)], asked
    assert _server.wire() < 64 * 1024, asked
    with school.app_context():
        assert db.session.get(InstalledLibrary, f"kolibri-{builder.channel_id}").version == 2
        db.session.remove()
    _shows_the_channel(school, builder)
    assert school.test_client().get(f"/channels/{builder.channel_id}/{new}").status_code == 200
    assert len(list((tmp_path / "s1" / "channels-index").iterdir())) == 1  # the old version's index went

    stick = tmp_path / "stick"
    with school.app_context():
        exported = export_library(stick, school.extensions["object_store"], 1 << 20)
        db.session.remove()
    assert exported.library_id == f"kolibri-{builder.channel_id}" and (stick / "head.signed").is_file()
    offline = make_app(DATA_DIR=str(tmp_path / "s2"))
    pin_hub(offline, "http://hub.invalid/", KEY)
    with offline.app_context():
        store = offline.extensions["object_store"]
        result = import_stick(stick, store, ImportLimits.from_config(offline.config))
        db.session.remove()
    assert result.library_id == f"kolibri-{builder.channel_id}" and not result.unchanged
    _shows_the_channel(offline, builder)
