"""A hostile hub for the sync tests: a school with version 1 installed, a hub folder at version 2 to tamper with,
and the hub's own key to sign whatever a test makes it say."""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from pathlib import Path

import pytest
from conftest import lesson_spec, png_bytes
from nacl.signing import SigningKey
from sync_helpers import hub_and_school, installed, publish_folder

from contentserver.library.hubformat import HEAD_DICTIONARY, HEAD_NAME, HEAD_WBITS, index_relpath
from sync.errors import EXIT_OK, EXIT_REFUSED
from sync.runner import pull_all

KEY = SigningKey.generate()
LESSONS = [lesson_spec(f"l{i:02d}", attachments={"pic.png": png_bytes(3, 3, (i, 2, 3))}) for i in range(40)]


@pytest.fixture
def school(tmp_path, nginx, make_app, make_library):
    """A school with version 1 installed from a good hub; the hub folder is then at version 2, to be tampered."""
    hub_dir = tmp_path / "hub"
    app, _server = hub_and_school(
        nginx,
        make_app,
        hub_dir,
        KEY,
        make_library(LESSONS, version=1, library_id="lib"),
        MAX_MANIFEST_BYTES=1_000_000,
        MAX_LESSONS=1000,
        SYNC_GIVE_UP_SECONDS=2.0,
    )
    assert pull_logged(app)[0] == EXIT_OK
    extra = lesson_spec("extra", body="# Extra\n\nOnly in version two.\n")
    publish_folder(make_library([*LESSONS, extra], version=2, library_id="lib"), hub_dir, KEY)
    return app, hub_dir, make_library


def pull_logged(app) -> tuple[int, str]:
    from contentserver.db import db

    with app.app_context():
        code = pull_all(app, quiet=True)
        db.session.remove()
    log = (Path(app.config["DATA_DIR"]) / "logs" / "sync.log").read_text().splitlines()[-1]
    return code, json.loads(log)["message"]


def head_message_of(hub_dir: Path) -> tuple[dict, bytes]:
    """The head's JSON and what follows it (the inline patch: delta line and pack records)."""
    decompressor = zlib.decompressobj(wbits=HEAD_WBITS, zdict=HEAD_DICTIONARY)
    raw = decompressor.decompress((hub_dir / HEAD_NAME).read_bytes()[64:])
    line, _, rest = raw.partition(b"\n")
    return json.loads(line), rest


def head_of(hub_dir: Path) -> dict:
    return head_message_of(hub_dir)[0]


def sign_head(hub_dir: Path, head: dict, key: SigningKey = KEY, rest: bytes | None = None) -> None:
    """Sign `head` as the hub would (the patch it carries kept unless `rest` is given)."""
    rest = head_message_of(hub_dir)[1] if rest is None and "patch" in head else rest or b""
    compressor = zlib.compressobj(wbits=HEAD_WBITS, zdict=HEAD_DICTIONARY)
    message = compressor.compress(json.dumps(head).encode() + b"\n" + rest) + compressor.flush()
    (hub_dir / HEAD_NAME).write_bytes(bytes(key.sign(message)))


def index_of(hub_dir: Path) -> dict:
    return json.loads((hub_dir / index_relpath(head_of(hub_dir)["version"])).read_bytes()[64:])


def sign_index(hub_dir: Path, index: dict, key: SigningKey = KEY) -> None:
    (hub_dir / index_relpath(index["version"])).write_bytes(bytes(key.sign(json.dumps(index).encode())))


def without_patch(hub_dir: Path) -> None:
    """The head alone: the school reads the index."""
    sign_head(hub_dir, {k: v for k, v in head_of(hub_dir).items() if k != "patch"})


def whole_only(hub_dir: Path) -> None:
    """No patch, no delta and no pack: the school fetches the whole manifest and every object on its own."""
    without_patch(hub_dir)
    sign_index(hub_dir, dict(index_of(hub_dir), deltas=[], pack=None))


def serve_manifest(hub_dir: Path, raw: bytes, gz: bytes | None = None, size: int | None = None) -> None:
    """A manifest the (real) hub key signs: whatever its content, it is what the head and the index name."""
    gz = gzip.compress(raw) if gz is None else gz
    file_sha = hashlib.sha256(gz).hexdigest()
    (hub_dir / "t" / file_sha).write_bytes(gz)
    whole_only(hub_dir)
    manifest = {"sha256": hashlib.sha256(raw).hexdigest(), "size": len(raw) if size is None else size}
    sign_head(hub_dir, dict(head_of(hub_dir), manifest=manifest))
    sign_index(hub_dir, dict(index_of(hub_dir), manifest=dict(manifest, file={"sha256": file_sha, "size": len(gz)})))


def manifest_dict(hub_dir: Path) -> dict:
    return json.loads((hub_dir / "manifest.json").read_bytes())


def assert_refused(app, before: dict, *words: str) -> str:
    code, message = pull_logged(app)
    assert code == EXIT_REFUSED, message
    for word in words:
        assert word in message, message
    assert installed(app) == before
    return message
