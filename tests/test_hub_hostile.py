"""A hostile hub: every trick is refused with a clear message and exit code 2, and the library stays as it was."""

from __future__ import annotations

import http.server
import json
import os
import threading
from pathlib import Path

import pytest
from hostile_hub import (
    KEY,
    LESSONS,
    assert_refused,
    head_of,
    manifest_dict,
    pull_logged,
    school,
    serve_manifest,
    sign_head,
    whole_only,
)
from nacl.signing import SigningKey
from nginx_hub import nginx
from sync_helpers import installed, pin_hub, publish_folder

from contentserver.library.format import object_relpath
from contentserver.library.hubformat import HEAD_NAME
from sync.errors import EXIT_OK


def test_bad_signature_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    blob = bytearray((hub_dir / HEAD_NAME).read_bytes())
    blob[5] ^= 1
    (hub_dir / HEAD_NAME).write_bytes(bytes(blob))
    assert_refused(app, before, "bad signature")


def test_head_signed_by_another_key_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    sign_head(hub_dir, head_of(hub_dir), SigningKey.generate())
    assert_refused(app, before, "another key")


def test_unsigned_head_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    (hub_dir / HEAD_NAME).write_bytes(b"{}")
    assert_refused(app, before, "not signed")


def test_rollback_to_an_older_version_is_refused(school, tmp_path):
    app, hub_dir, make_library = school
    assert pull_logged(app)[0] == EXIT_OK
    before = installed(app)
    assert before["versions"] == {"lib": 2}
    old = tmp_path / "old-hub"
    publish_folder(make_library(LESSONS, version=1, library_id="lib"), old, KEY)
    (hub_dir / HEAD_NAME).write_bytes((old / HEAD_NAME).read_bytes())
    assert_refused(app, before, "older")


def test_object_whose_bytes_do_not_match_its_hash_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    whole_only(hub_dir)
    body = next(l["body"] for l in manifest_dict(hub_dir)["lessons"] if l["id"] == "extra")
    path = hub_dir / object_relpath(body["sha256"])
    path.write_bytes(b"X" * body["size"])
    assert_refused(app, before, "do not match their sha256")


def test_hub_sending_more_bytes_than_declared_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    whole_only(hub_dir)
    body = next(l["body"] for l in manifest_dict(hub_dir)["lessons"] if l["id"] == "extra")
    with open(hub_dir / object_relpath(body["sha256"]), "ab") as out:
        out.write(b"and then some more bytes than the manifest declares" * 100)
    assert_refused(app, before, "declared")


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.png", "/etc/passwd.png", "..\\..\\win.png", "a/b.png", "con.png", "pic.png\x00.txt", ""]
)
def test_traversal_or_absolute_attachment_names_are_refused(school, name):
    app, hub_dir, _ = school
    before = installed(app)
    manifest = manifest_dict(hub_dir)
    manifest["lessons"][1]["attachments"][0]["name"] = name
    serve_manifest(hub_dir, json.dumps(manifest).encode())
    assert_refused(app, before, "lessons[1].attachments[0].name")


@pytest.mark.parametrize("lesson_id", ["../x", "/abs", "A-upper", "x" * 81])
def test_unsafe_lesson_ids_are_refused(school, lesson_id):
    app, hub_dir, _ = school
    before = installed(app)
    manifest = manifest_dict(hub_dir)
    manifest["lessons"][1]["id"] = lesson_id
    serve_manifest(hub_dir, json.dumps(manifest).encode())
    assert_refused(app, before, "lessons[1].id")


def test_traversal_in_the_library_id_of_the_head_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    sign_head(hub_dir, dict(head_of(hub_dir), library_id="../../lib"))
    assert_refused(app, before, "library_id")


def test_duplicate_lesson_ids_are_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    manifest = manifest_dict(hub_dir)
    manifest["lessons"].append(manifest["lessons"][0])
    serve_manifest(hub_dir, json.dumps(manifest).encode())
    assert_refused(app, before, "appears twice")


def test_manifest_declared_too_large_is_refused_before_download(school):
    app, hub_dir, _ = school
    before = installed(app)
    serve_manifest(hub_dir, b"{}", size=10**9)
    assert_refused(app, before, "at most 1000000")


def test_manifest_that_expands_beyond_its_declared_size_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    bomb = b" " * 150_000 + json.dumps(manifest_dict(hub_dir)).encode()
    serve_manifest(hub_dir, bomb, size=1000)
    assert_refused(app, before, "expands to more")


def test_manifest_nested_too_deeply_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    serve_manifest(hub_dir, b"[" * 50_000 + b"]" * 50_000)
    assert_refused(app, before, "nested too deeply")


def test_manifest_that_is_not_utf8_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    raw = json.dumps(manifest_dict(hub_dir), ensure_ascii=False).encode().replace(b'"lib"', b'"l\xffb"', 1)
    serve_manifest(hub_dir, raw)
    assert_refused(app, before, "UTF-8")


def test_unknown_hub_format_version_is_refused_naming_the_version_needed(school):
    app, hub_dir, _ = school
    before = installed(app)
    sign_head(hub_dir, dict(head_of(hub_dir), format_version=4))
    assert_refused(app, before, "format version 4", "reads version 3", "upgrade")


def test_unknown_library_format_version_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    manifest = dict(manifest_dict(hub_dir), format_version=9)
    serve_manifest(hub_dir, json.dumps(manifest).encode())
    assert_refused(app, before, "format version 9")


def test_object_count_bomb_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    manifest = manifest_dict(hub_dir)
    template = manifest["lessons"][0]
    manifest["lessons"] = [dict(template, id=f"b{i}") for i in range(1500)]
    serve_manifest(hub_dir, json.dumps(manifest, separators=(",", ":")).encode())
    assert_refused(app, before, "at most 1000")


class _Overlong(http.server.BaseHTTPRequestHandler):
    """A hub that ignores Range and sends every file but the signed head and index with 1000 bytes more."""

    root: Path

    def do_GET(self):
        path = self.root / self.path.lstrip("/")
        data = path.read_bytes() if path.is_file() else b""
        if not path.name.endswith(".signed"):
            data += b"\0" * 1000
        self.send_response(200 if path.is_file() else 404)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def loghead_message_of(self, *args):
        pass


def test_a_server_that_ignores_ranges_and_sends_more_than_declared_is_refused(tmp_path, make_app, make_library):
    hub_dir = tmp_path / "overlong-hub"
    publish_folder(make_library(LESSONS, version=1, library_id="lib"), hub_dir, KEY)
    handler = type("Handler", (_Overlong,), {"root": hub_dir})
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        app = make_app(SYNC_GIVE_UP_SECONDS=2.0)
        pin_hub(app, f"http://127.0.0.1:{server.server_address[1]}/", KEY)
        try:
            assert_refused(app, installed(app), "more than the", "declared")
        finally:
            server.shutdown()
            thread.join()


def test_an_object_larger_than_the_object_limit_is_refused_before_download(school):
    app, hub_dir, _ = school
    before = installed(app)
    manifest = manifest_dict(hub_dir)
    manifest["lessons"][1]["attachments"][0]["size"] = 10**13
    serve_manifest(hub_dir, json.dumps(manifest).encode())
    assert_refused(app, before, "at most")


def test_a_head_larger_than_64_kib_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    sign_head(hub_dir, dict(head_of(hub_dir), padding=os.urandom(70_000).hex()))  # does not compress
    assert_refused(app, before, "more than the 65536")
