"""The object store: content-addressed, written once after verification, nothing half-written left behind."""

from __future__ import annotations

import hashlib
import io

import pytest

from contentserver.library.format import ManifestError
from contentserver.library.objects import ObjectStore, sha256_file

DATA = b"lesson video bytes " * 1000
SHA = hashlib.sha256(DATA).hexdigest()


@pytest.fixture
def store(tmp_path):
    return ObjectStore(tmp_path / "data")


def files_under(path):
    return sorted(p for p in path.rglob("*") if p.is_file())


def test_object_is_stored_under_its_sha256(store, tmp_path):
    path = store.put_stream(io.BytesIO(DATA), SHA, len(DATA))
    assert path == tmp_path / "data" / "objects" / SHA[:2] / SHA[2:]
    assert path.read_bytes() == DATA and store.has(SHA) and store.read_bytes(SHA) == DATA
    assert list(store) == [SHA]


def test_identical_content_is_stored_once(store):
    first = store.put_bytes(DATA)
    second = store.put_stream(io.BytesIO(DATA), SHA, len(DATA))
    assert store.put_bytes(DATA) == first == SHA
    assert files_under(store.root) == [second]


def test_put_file_verifies_and_stores(store, tmp_path):
    src = tmp_path / "clip.mp4"
    src.write_bytes(DATA)
    assert store.put_file(src, SHA, len(DATA)).read_bytes() == DATA
    assert sha256_file(src) == SHA


@pytest.mark.parametrize(
    "data, size, words",
    [
        (DATA[:-1], len(DATA), "has 18999 bytes, the manifest declares 19000"),
        (DATA + b"x", len(DATA), "more than the 19000 bytes"),
        (b"X" + DATA[1:], len(DATA), "does not match its sha256"),
        (DATA, len(DATA) - 1, "more than the 18999 bytes"),
        (b"", len(DATA), "has 0 bytes"),
    ],
)
def test_wrong_size_or_hash_is_refused_and_leaves_nothing_behind(store, data, size, words):
    with pytest.raises(ManifestError, match=words) as info:
        store.put_stream(io.BytesIO(data), SHA, size, source="objects/ab/cd")
    assert info.value.file == "objects/ab/cd"
    assert not store.has(SHA)
    assert files_under(store.root) == [] and files_under(store.staging) == []


def test_oversized_stream_is_not_read_to_its_end(store):
    """A reader never trusts a size beyond the manifest's: it stops right after the declared size."""

    class Endless(io.RawIOBase):
        reads = 0

        def readinto(self, buffer):
            self.reads += 1
            buffer[:] = b"x" * len(buffer)
            return len(buffer)

    stream = Endless()
    with pytest.raises(ManifestError, match="more than the 10 bytes"):
        store.put_stream(stream, SHA, 10)
    assert stream.reads == 1
    assert files_under(store.staging) == []


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "A" * 64, "a" * 63, "a" * 65, "", "g" * 64, "a" * 63 + "/", "a" * 64 + "\n"]
)
def test_anything_but_a_lowercase_sha256_is_refused_as_object_name(store, name):
    with pytest.raises(ValueError):
        store.path(name)


def test_existing_object_is_never_rewritten(store):
    path = store.put_stream(io.BytesIO(DATA), SHA, len(DATA))
    mtime = path.stat().st_mtime_ns
    store.put_stream(io.BytesIO(b"garbage that is never read"), SHA, len(DATA))
    assert path.read_bytes() == DATA and path.stat().st_mtime_ns == mtime


def test_empty_object_can_be_stored(store):
    sha = store.put_bytes(b"")
    assert sha == hashlib.sha256(b"").hexdigest() and store.read_bytes(sha) == b""
