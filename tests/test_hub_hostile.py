"""A hostile hub: every trick is refused with a clear message and exit code 2, and the library stays as it was."""
from __future__ import annotations

import gzip
import hashlib
import http.server
import json
import threading
from pathlib import Path

import pytest
from nacl.signing import SigningKey

from conftest import lesson_spec, png_bytes
from contentserver.library.format import object_relpath
from contentserver.library.hubformat import HEAD_NAME
from nginx_hub import nginx  # noqa: F401  (fixture)
from sync.errors import EXIT_OK, EXIT_REFUSED
from sync.runner import pull_all
from sync_helpers import installed, pin_hub, publish_folder

KEY = SigningKey.generate()
LESSONS = [lesson_spec(f"l{i:02d}", attachments={"pic.png": png_bytes(3, 3, (i, 2, 3))}) for i in range(40)]


@pytest.fixture
def school(tmp_path, nginx, make_app, make_library):
    """A school with version 1 installed from a good hub; the hub folder is then at version 2, to be tampered."""
    hub_dir = tmp_path / "hub"
    publish_folder(make_library(LESSONS, version=1, library_id="lib"), hub_dir, KEY)
    server = nginx(hub_dir)
    app = make_app(MAX_MANIFEST_BYTES=1_000_000, MAX_LESSONS=1000, SYNC_GIVE_UP_SECONDS=2.0)
    pin_hub(app, server.url, KEY)
    assert _pull(app)[0] == EXIT_OK
    extra = lesson_spec("extra", body="# Extra\n\nOnly in version two.\n")
    publish_folder(make_library([*LESSONS, extra], version=2, library_id="lib"), hub_dir, KEY)
    return app, hub_dir, make_library


def _pull(app) -> tuple[int, str]:
    from contentserver.db import db
    with app.app_context():
        code = pull_all(app, quiet=True)
        db.session.remove()
    log = (Path(app.config["DATA_DIR"]) / "logs" / "sync.log").read_text().splitlines()[-1]
    return code, json.loads(log)["message"]


def _head(hub_dir: Path) -> dict:
    return json.loads((hub_dir / HEAD_NAME).read_bytes()[64:])


def _sign(hub_dir: Path, head: dict, key: SigningKey = KEY) -> None:
    (hub_dir / HEAD_NAME).write_bytes(bytes(key.sign(json.dumps(head).encode())))


def _whole_only(head: dict) -> dict:
    """No delta and no pack: the school fetches the whole manifest and every object on its own."""
    return dict(head, deltas=[], pack=None)


def _serve_manifest(hub_dir: Path, raw: bytes, gz: bytes | None = None, size: int | None = None) -> None:
    """A manifest the (real) hub key signs: whatever its content, it is what the head names."""
    gz = gzip.compress(raw) if gz is None else gz
    file_sha = hashlib.sha256(gz).hexdigest()
    (hub_dir / "t" / file_sha).write_bytes(gz)
    head = _whole_only(_head(hub_dir))
    head["manifest"] = {"sha256": hashlib.sha256(raw).hexdigest(), "size": len(raw) if size is None else size,
                        "file": {"sha256": file_sha, "size": len(gz)}}
    _sign(hub_dir, head)


def _manifest_dict(hub_dir: Path) -> dict:
    return json.loads((hub_dir / "manifest.json").read_bytes())


def _assert_refused(app, before: dict, *words: str) -> str:
    code, message = _pull(app)
    assert code == EXIT_REFUSED, message
    for word in words:
        assert word in message, message
    assert installed(app) == before
    return message


def test_bad_signature_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    blob = bytearray((hub_dir / HEAD_NAME).read_bytes())
    blob[5] ^= 1
    (hub_dir / HEAD_NAME).write_bytes(bytes(blob))
    _assert_refused(app, before, "bad signature")


def test_head_signed_by_another_key_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    _sign(hub_dir, _head(hub_dir), SigningKey.generate())
    _assert_refused(app, before, "another key")


def test_unsigned_head_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    (hub_dir / HEAD_NAME).write_bytes(b"{}")
    _assert_refused(app, before, "not signed")


def test_rollback_to_an_older_version_is_refused(school, tmp_path):
    app, hub_dir, make_library = school
    assert _pull(app)[0] == EXIT_OK
    before = installed(app)
    assert before["versions"] == {"lib": 2}
    old = tmp_path / "old-hub"
    publish_folder(make_library(LESSONS, version=1, library_id="lib"), old, KEY)
    (hub_dir / HEAD_NAME).write_bytes((old / HEAD_NAME).read_bytes())
    _assert_refused(app, before, "older")


def test_object_whose_bytes_do_not_match_its_hash_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    _sign(hub_dir, _whole_only(_head(hub_dir)))
    body = next(l["body"] for l in _manifest_dict(hub_dir)["lessons"] if l["id"] == "extra")
    path = hub_dir / object_relpath(body["sha256"])
    path.write_bytes(b"X" * body["size"])
    _assert_refused(app, before, "do not match their sha256")


def test_hub_sending_more_bytes_than_declared_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    _sign(hub_dir, _whole_only(_head(hub_dir)))
    body = next(l["body"] for l in _manifest_dict(hub_dir)["lessons"] if l["id"] == "extra")
    with open(hub_dir / object_relpath(body["sha256"]), "ab") as out:
        out.write(b"and then some more bytes than the manifest declares" * 100)
    _assert_refused(app, before, "declared")


def test_pack_holding_an_object_it_should_not_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    head = _head(hub_dir)
    evil = gzip.compress(b"%s 5\nhello" % (b"0" * 64))
    sha = hashlib.sha256(evil).hexdigest()
    (hub_dir / "t" / sha).write_bytes(evil)
    head["deltas"][0]["pack"] = dict(head["deltas"][0]["pack"], sha256=sha, size=len(evil))
    _sign(hub_dir, head)
    _assert_refused(app, before, "should not")


@pytest.mark.parametrize("name", ["../../etc/passwd.png", "/etc/passwd.png", "..\\..\\win.png", "a/b.png",
                                  "con.png", "pic.png\x00.txt", ""])
def test_traversal_or_absolute_attachment_names_are_refused(school, name):
    app, hub_dir, _ = school
    before = installed(app)
    manifest = _manifest_dict(hub_dir)
    manifest["lessons"][1]["attachments"][0]["name"] = name
    _serve_manifest(hub_dir, json.dumps(manifest).encode())
    _assert_refused(app, before, "lessons[1].attachments[0].name")


@pytest.mark.parametrize("lesson_id", ["../x", "/abs", "A-upper", "x" * 81])
def test_unsafe_lesson_ids_are_refused(school, lesson_id):
    app, hub_dir, _ = school
    before = installed(app)
    manifest = _manifest_dict(hub_dir)
    manifest["lessons"][1]["id"] = lesson_id
    _serve_manifest(hub_dir, json.dumps(manifest).encode())
    _assert_refused(app, before, "lessons[1].id")


def test_traversal_in_the_library_id_of_the_head_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    _sign(hub_dir, dict(_head(hub_dir), library_id="../../lib"))
    _assert_refused(app, before, "library_id")


def test_duplicate_lesson_ids_are_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    manifest = _manifest_dict(hub_dir)
    manifest["lessons"].append(manifest["lessons"][0])
    _serve_manifest(hub_dir, json.dumps(manifest).encode())
    _assert_refused(app, before, "appears twice")


def test_manifest_declared_too_large_is_refused_before_download(school):
    app, hub_dir, _ = school
    before = installed(app)
    _serve_manifest(hub_dir, b"{}", size=10 ** 9)
    _assert_refused(app, before, "at most 1000000")


def test_manifest_that_expands_beyond_its_declared_size_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    bomb = b" " * 150_000 + json.dumps(_manifest_dict(hub_dir)).encode()
    _serve_manifest(hub_dir, bomb, size=1000)
    _assert_refused(app, before, "expands to more")


def test_manifest_nested_too_deeply_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    _serve_manifest(hub_dir, b"[" * 50_000 + b"]" * 50_000)
    _assert_refused(app, before, "nested too deeply")


def test_manifest_that_is_not_utf8_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    raw = json.dumps(_manifest_dict(hub_dir), ensure_ascii=False).encode().replace(b'"lib"', b'"l\xffb"', 1)
    _serve_manifest(hub_dir, raw)
    _assert_refused(app, before, "UTF-8")


def test_unknown_hub_format_version_is_refused_naming_the_version_needed(school):
    app, hub_dir, _ = school
    before = installed(app)
    _sign(hub_dir, dict(_head(hub_dir), format_version=3))
    _assert_refused(app, before, "format version 3", "reads version 2", "upgrade")


def test_unknown_library_format_version_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    manifest = dict(_manifest_dict(hub_dir), format_version=9)
    _serve_manifest(hub_dir, json.dumps(manifest).encode())
    _assert_refused(app, before, "format version 9")


def test_object_count_bomb_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    manifest = _manifest_dict(hub_dir)
    template = manifest["lessons"][0]
    manifest["lessons"] = [dict(template, id=f"b{i}") for i in range(1500)]
    _serve_manifest(hub_dir, json.dumps(manifest, separators=(",", ":")).encode())
    _assert_refused(app, before, "at most 1000")


def test_delta_that_does_not_produce_the_signed_manifest_falls_back_and_still_installs(school):
    app, hub_dir, _ = school
    head = _head(hub_dir)
    delta = hub_dir / "t" / head["deltas"][0]["sha256"]
    tampered = gzip.compress(json.dumps({"base": "x", "header": {"format": "contentserver-library"},
                                         "upsert": [], "remove": []}).encode())
    sha = hashlib.sha256(tampered).hexdigest()
    (hub_dir / "t" / sha).write_bytes(tampered)
    head["deltas"][0] = dict(head["deltas"][0], sha256=sha, size=len(tampered))
    _sign(hub_dir, head)
    assert delta.exists()
    assert _pull(app)[0] == EXIT_OK
    assert installed(app)["versions"] == {"lib": 2}


class _Overlong(http.server.BaseHTTPRequestHandler):
    """A hub that ignores Range and sends every file with 1000 bytes more than it has."""

    root: Path

    def do_GET(self):  # noqa: N802 (http.server's name)
        path = self.root / self.path.lstrip("/")
        data = path.read_bytes() if path.is_file() else b""
        if not path.name.endswith(HEAD_NAME):
            data += b"\0" * 1000
        self.send_response(200 if path.is_file() else 404)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
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
            _assert_refused(app, installed(app), "more than the", "declared")
        finally:
            server.shutdown()
            thread.join()


def test_an_object_larger_than_the_object_limit_is_refused_before_download(school):
    app, hub_dir, _ = school
    before = installed(app)
    manifest = _manifest_dict(hub_dir)
    manifest["lessons"][1]["attachments"][0]["size"] = 10 ** 13
    _serve_manifest(hub_dir, json.dumps(manifest).encode())
    _assert_refused(app, before, "at most")


def test_a_head_larger_than_64_kib_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    _sign(hub_dir, dict(_head(hub_dir), padding="x" * 70_000))
    _assert_refused(app, before, "more than the 65536")
