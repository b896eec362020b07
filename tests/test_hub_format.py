"""The hub transport form on its own: deltas rebuild the exact manifest bytes, packs and gzip are bounded."""

from __future__ import annotations

import gzip
import hashlib
import io
import json

import pytest
from conftest import lesson_spec
from nacl.signing import SigningKey
from sync_helpers import publish_folder

from contentserver.library.bundle import open_library
from contentserver.library.format import ManifestError, manifest_bytes
from contentserver.library.hubdelta import apply_delta, make_delta, sorted_manifest
from contentserver.library.hubformat import Head, Patch, gunzip_bounded, head_message, parse_head
from contentserver.library.hubpack import TEXT_CODEC, pack_members, read_pack, read_records, record, write_pack


def _manifest(make_library, lessons, version):
    return sorted_manifest(
        open_library(make_library(lessons, version=version, library_id="lib"), 10**8, 10**6).manifest
    )


def test_a_delta_rebuilds_the_new_manifest_byte_for_byte(make_library):
    old = _manifest(make_library, [lesson_spec(f"d{i}", body=f"# {i}\n") for i in range(20)], 1)
    changed = [lesson_spec(f"d{i}", body=f"# {i}\n") for i in range(3, 20)]
    changed[0] = lesson_spec("d3", body="# three, changed\n", title="Три")
    new = _manifest(make_library, changed + [lesson_spec("a-first"), lesson_spec("zz-last")], 2)
    delta = make_delta(old, new)
    assert apply_delta(manifest_bytes(old), delta, 1000) == manifest_bytes(new)
    assert len(delta) < len(manifest_bytes(new)) / 3


def test_a_delta_that_would_exceed_the_lesson_limit_is_refused(make_library):
    old = _manifest(make_library, ["a"], 1)
    new = _manifest(make_library, ["a", "b", "c"], 2)
    with pytest.raises(ManifestError, match="more than 2 lessons"):
        apply_delta(manifest_bytes(old), make_delta(old, new), 2)


def test_a_pack_round_trips_and_refuses_what_it_should_not_hold(make_library):
    new = _manifest(make_library, [lesson_spec(f"p{i}", body=f"# body {i}\n") for i in range(5)], 1)
    members = pack_members(new)
    objects = {lesson.body.sha256: f"# body {lesson.id[1:]}\n".encode() for lesson in new.lessons}
    out = io.BytesIO()
    write_pack(members, objects.__getitem__, out)
    got = {sha: window.read() for sha, _size, window in read_pack(io.BytesIO(out.getvalue()), members, "pack")}
    assert {sha: hashlib.sha256(data).hexdigest() for sha, data in got.items()} == {sha: sha for sha in members}
    with pytest.raises(ManifestError, match="should not"):
        list(read_pack(io.BytesIO(out.getvalue()), dict(list(members.items())[1:]), "pack"))
    with pytest.raises(ManifestError, match="not a valid pack"):
        for _sha, _size, window in read_pack(io.BytesIO(out.getvalue()[:-30]), members, "pack"):
            window.read()


def test_gunzip_stops_at_the_declared_size():
    assert gunzip_bounded(gzip.compress(b"x" * 100), 100, "f") == b"x" * 100
    with pytest.raises(ManifestError, match="expands to more"):
        gunzip_bounded(gzip.compress(b"x" * 10**7), 1000, "f")
    with pytest.raises(ManifestError, match="not a valid gzip"):
        gunzip_bounded(b"not gzip at all", 1000, "f")


def test_publishing_keeps_the_objects_and_indexes_of_this_and_the_previous_version_only(tmp_path, make_library):
    key, hub = SigningKey.generate(), tmp_path / "hub"
    bodies = {version: f"# only in version {version}\n".encode() for version in (1, 2, 3)}
    for version, body in bodies.items():
        publish_folder(
            make_library([lesson_spec("x", body=body.decode()), "shared"], version=version, library_id="lib"), hub, key
        )
    stored = {p.parent.name + p.name for p in (hub / "objects").rglob("*") if p.is_file()}
    assert hashlib.sha256(bodies[1]).hexdigest() not in stored
    assert {hashlib.sha256(bodies[2]).hexdigest(), hashlib.sha256(bodies[3]).hexdigest()} <= stored
    assert sorted(path.name for path in (hub / "i").iterdir()) == ["2.signed", "3.signed"]


def test_a_head_with_its_patch_round_trips_and_a_broken_stream_is_refused():
    head = Head("lib", 8, "a" * 64, 1234, Patch(7, b'{"header":{"version":8},"remove":[],"upsert":[]}', b"records"))
    message = head_message(head)
    assert parse_head(message, 10**6) == head
    assert parse_head(head_message(Head("lib", 8, "a" * 64, 1234)), 10**6).patch is None
    with pytest.raises(ManifestError, match="deflate stream"):
        parse_head(b"\xff" + message, 10**6)
    with pytest.raises(ManifestError, match="cut short"):
        parse_head(message[:-3], 10**6)
    with pytest.raises(ManifestError, match="at most 1000"):
        parse_head(message, 1000)


def test_cyrillic_text_travels_one_byte_a_letter_and_comes_back_byte_for_byte():
    kazakh = "# Судың үш күйі\n\nМұз, су және бу — бір заттың үш күйі.\n".encode()
    latin = "# Suwdıñ üş küyi\n\nMuz, su jäne buw.\n".encode()  # Kazakh Latin: not in kz1048, stays UTF-8
    objects = {hashlib.sha256(data).hexdigest(): data for data in (kazakh, latin, b"plain ascii\n")}
    records = b"".join(record(sha, data) for sha, data in objects.items())
    assert f" {TEXT_CODEC} ".encode() in records
    assert len(record(hashlib.sha256(kazakh).hexdigest(), kazakh).partition(b"\n")[2]) < 0.6 * len(kazakh)
    expected = {sha: len(data) for sha, data in objects.items()}
    got = {sha: window.read() for sha, _size, window in read_records(io.BytesIO(records), expected, "pack")}
    assert got == objects


def test_a_hub_format_2_head_is_refused_naming_the_version_needed():
    old = json.dumps(
        {
            "format": "contentserver-hub",
            "format_version": 2,
            "library_id": "lib",
            "version": 3,
            "manifest": {"sha256": "a" * 64, "size": 10},
        }
    ).encode()
    with pytest.raises(ManifestError, match="hub format version 2; this contentserver reads version 3"):
        parse_head(old, 10**6)
