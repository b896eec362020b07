"""A hostile hub's renditions (format 4): a copy whose sha256 is malformed or lies, whose size lies, that names a path,
of a kind nobody knows, on a file that is not a video, in a version without renditions — each refused with a clear
message by a school behind a real nginx, and the installed library stays exactly as it was."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hostile_hub import assert_refused, manifest_dict, pull_logged, school, serve_manifest
from nginx_hub import nginx
from sync_helpers import installed

from contentserver.library.format import object_relpath
from sync.errors import EXIT_OK

VIDEO = b"original video " * 40_000  # 600,000 bytes: travels alone, in ranges
LOW = b"low copy " * 10_000
POSTER = b"\xff\xd8poster\xff\xd9" * 100


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _put(hub_dir: Path, data: bytes, sha: str | None = None) -> None:
    path = hub_dir / object_relpath(sha or _sha(data))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _film(hub_dir: Path, edit: Callable[[dict], object] = lambda video: None, version: int = 4) -> None:
    """The hub's version 2 plus a lesson with a video, its low copy and poster listed; `edit(video entry)` first."""
    manifest = manifest_dict(hub_dir)
    for data in (VIDEO, LOW, POSTER):
        _put(hub_dir, data)
    video = {
        "name": "film.mp4",
        "sha256": _sha(VIDEO),
        "size": len(VIDEO),
        "type": "video/mp4",
        "renditions": [
            {"kind": "low", "sha256": _sha(LOW), "size": len(LOW), "type": "video/mp4", "width": 640, "height": 360},
            {
                "kind": "poster",
                "sha256": _sha(POSTER),
                "size": len(POSTER),
                "type": "image/jpeg",
                "width": 640,
                "height": 360,
            },
        ],
    }
    edit(video)
    lesson = dict(manifest["lessons"][0], id="zz-film", attachments=[video])
    manifest.update(format_version=version, lessons=[*manifest["lessons"], lesson])
    serve_manifest(hub_dir, json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode())


def _low(video: dict) -> dict:
    return video["renditions"][0]


def test_a_good_film_installs_without_its_original(school):
    """The control: the same hub, untampered, installs (so each refusal below is the tampering's)."""
    app, hub_dir, _ = school
    _film(hub_dir)
    code, message = pull_logged(app)
    assert code == EXIT_OK, message
    store = app.extensions["object_store"]
    assert store.has(_sha(LOW)) and store.has(_sha(POSTER)) and not store.has(_sha(VIDEO))
    assert installed(app)["versions"] == {"lib": 2}


@pytest.mark.parametrize(
    "edit, words",
    [
        (lambda v: _low(v).update(sha256="ABC"), ["renditions[0].sha256", "64 lowercase hex digits"]),
        (lambda v: _low(v).update(sha256="../../../../etc/passwd"), ["renditions[0].sha256", "64 lowercase hex"]),
        (lambda v: _low(v).update(name="../../evil.mp4"), ["renditions[0].name", "a rendition has only"]),
        (lambda v: _low(v).update(kind="high"), ["renditions[0].kind", "'high' is not a kind of rendition"]),
        (lambda v: _low(v).update(type="text/html"), ["renditions[0].type", "a low rendition is video/mp4"]),
        (lambda v: _low(v).update(size=-1), ["renditions[0].size", "must not be negative"]),
        (lambda v: _low(v).update(width=30000), ["renditions[0].width", "from 0 to 16384"]),
        (lambda v: v["renditions"].append(dict(_low(v))), ["renditions", "at most 2"]),
        (lambda v: v["renditions"].__setitem__(1, dict(_low(v))), ["renditions", "one kind twice"]),
        (lambda v: v.update(renditions="low"), ["renditions", "must be a list"]),
        (lambda v: v.update(name="film.pdf", type="application/pdf"), ["renditions", "only a video"]),
    ],
    ids=[
        "malformed-sha256",
        "path-in-sha256",
        "path-in-a-name",
        "unknown-kind",
        "wrong-type",
        "negative-size",
        "absurd-width",
        "three-renditions",
        "kind-twice",
        "not-a-list",
        "on-a-pdf",
    ],
)
def test_a_malformed_rendition_is_refused_by_field(school, edit, words):
    app, hub_dir, _ = school
    before = installed(app)
    _film(hub_dir, edit)
    assert_refused(app, before, "manifest.json", *words)


def test_renditions_in_a_version_that_has_none_are_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    _film(hub_dir, version=3)
    assert_refused(app, before, "renditions", "needs format_version 4")


def test_a_rendition_whose_bytes_are_not_its_sha256_is_refused(school):
    app, hub_dir, _ = school
    before = installed(app)
    _film(hub_dir)
    _put(hub_dir, LOW.replace(b"low", b"LOW"), _sha(LOW))  # other bytes of the same length under its name
    assert_refused(app, before, "do not match their sha256", _sha(LOW))
    assert not app.extensions["object_store"].has(_sha(LOW))


@pytest.mark.parametrize("lie", [+1000, -1000], ids=["size-says-more", "size-says-less"])
def test_a_rendition_whose_size_lies_is_refused(school, lie):
    app, hub_dir, _ = school
    before = installed(app)
    _film(hub_dir, lambda v: _low(v).update(size=len(LOW) + lie))
    assert_refused(app, before, "declared", "never accepted")
    assert not app.extensions["object_store"].has(_sha(LOW))
