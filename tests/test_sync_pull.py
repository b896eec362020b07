"""Pulling from a real nginx hub: first sync, an update, one lesson in one request, an unchanged hub under 2 KB."""

from __future__ import annotations

import hashlib
import http.server
import json
import threading

import pytest
from conftest import CONTENT, lesson_spec, png_bytes
from nacl.signing import SigningKey
from nginx_hub import nginx
from sync_helpers import hub_and_school, installed, publish_folder, pull

from contentserver.library.hubformat import HEAD_NAME
from sync.errors import EXIT_OK
from sync.transfer import HubClient


@pytest.fixture
def key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def starter_school(tmp_path, nginx, make_app, key):
    """nginx serving the starter library as a hub, and a school that pinned it and pulled once."""
    hub_dir = tmp_path / "hub"
    app, server = hub_and_school(nginx, make_app, hub_dir, key, CONTENT)
    assert pull(app) == EXIT_OK
    return app, server


def test_first_sync_installs_the_starter_library_and_every_object_verifies(tmp_path, starter_school):
    app, _server = starter_school
    state = installed(app)
    assert len(state["lessons"]) == len(list(p for p in CONTENT.iterdir() if p.is_dir()))
    assert state["objects_verify"]
    log = (tmp_path / "data" / "logs" / "sync.log").read_text().splitlines()
    assert '"exit": 0' in log[-1]


def test_unchanged_hub_costs_less_than_2_kb_on_the_wire(starter_school):
    app, server = starter_school
    server.reset()
    assert pull(app) == EXIT_OK
    assert [status for status, _sent, _uri in server.log_lines()] == [304]
    assert server.wire() < 2048


def test_update_adds_changes_and_removes_lessons_and_fetches_only_new_objects(
    tmp_path, nginx, make_app, make_library, key
):
    v1 = [
        lesson_spec(
            f"l{i:03d}", body=f"# Lesson {i}\n\n" + "text " * 50, attachments={"pic.png": png_bytes(3, 3, (i, 1, 1))}
        )
        for i in range(30)
    ]
    v2 = [dict(s) for s in v1[1:]] + [lesson_spec("new-one", body="# New\n\nBrand new lesson.\n")]
    v2[0] = lesson_spec("l001", body="# Lesson 1 changed\n")
    hub_dir = tmp_path / "hub"
    app, server = hub_and_school(nginx, make_app, hub_dir, key, make_library(v1, version=1, library_id="lib"))
    assert pull(app) == EXIT_OK
    publish_folder(make_library(v2, version=2, library_id="lib"), hub_dir, key)
    server.reset()
    assert pull(app) == EXIT_OK
    state = installed(app)
    assert state["versions"] == {"lib": 2}
    assert "l000" not in state["lessons"] and "new-one" in state["lessons"]
    assert state["lessons"]["l001"] == hashlib.sha256(b"# Lesson 1 changed\n").hexdigest()
    assert state["objects_verify"]
    uris = [uri for _status, _sent, uri in server.log_lines()]
    assert not any("/objects/" in uri for uri in uris), uris  # two small bodies travel in the delta's pack
    assert server.wire() < 4096


@pytest.fixture
def cyrillic_hub(tmp_path, nginx, make_app, make_library, key):
    """publish(n, version): a hub of n Kazakh lessons; the school pinned it and pulled 40 lessons, version 1."""
    hub_dir = tmp_path / "hub"

    def publish(count: int, version: int) -> None:
        lessons = [
            lesson_spec(f"n{i:03d}", body=f"# Урок {i}\n\nСу үш күйде болады: мұз, су, бу.\n") for i in range(count)
        ]
        publish_folder(make_library(lessons, version=version, library_id="lib"), hub_dir, key)

    publish(40, 1)
    app, server = hub_and_school(nginx, make_app, hub_dir, key)
    assert pull(app) == EXIT_OK
    return app, server, hub_dir, publish


def test_one_new_lesson_travels_inside_the_signed_head_in_one_request(cyrillic_hub):
    app, server, _hub_dir, publish = cyrillic_hub
    publish(41, 2)
    server.reset()
    assert pull(app) == EXIT_OK
    assert [(status, uri) for status, _sent, uri in server.log_lines()] == [(200, "/head.signed")]
    state = installed(app)
    assert state["versions"] == {"lib": 2} and "n040" in state["lessons"] and state["objects_verify"]


def test_a_school_two_versions_behind_reads_the_index_and_one_delta_not_the_whole_manifest(cyrillic_hub):
    app, server, hub_dir, publish = cyrillic_hub
    publish(41, 2)
    publish(42, 3)
    server.reset()
    assert pull(app) == EXIT_OK
    uris = [uri for _status, _sent, uri in server.log_lines()]
    index = json.loads((hub_dir / "i" / "3.signed").read_bytes()[64:])
    assert uris[:2] == ["/head.signed", "/i/3.signed"]
    assert [d["sha256"] for d in index["deltas"] if f"/t/{d['sha256']}" in uris]
    assert f"/t/{index['manifest']['file']['sha256']}" not in uris
    state = installed(app)
    assert state["versions"] == {"lib": 3} and {"n040", "n041"} <= set(state["lessons"]) and state["objects_verify"]


class _HeaderLog(http.server.BaseHTTPRequestHandler):
    """Answers every GET with 304 and remembers the request's header names."""

    protocol_version = "HTTP/1.1"
    seen: list[list[str]] = []

    def do_GET(self):
        self.seen.append(sorted(self.headers.keys()))
        self.send_response(304)
        self.end_headers()

    def log_message(self, *args):
        pass


def test_requests_carry_only_host_and_the_protocol_s_own_headers():
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), _HeaderLog) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        client = HubClient(f"http://127.0.0.1:{server.server_address[1]}/", 262144, 5.0, 5.0, 1.0)
        try:
            assert client.get_small(HEAD_NAME, 1000, '"etag"')[0] == 304
        finally:
            client.close()
            server.shutdown()
            thread.join()
    assert _HeaderLog.seen == [["Host", "If-None-Match"]]  # no Accept-Encoding, no User-Agent: the uplink is thin
