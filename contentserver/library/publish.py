"""Publishing a hub folder: plain static files any HTTP server or CDN can serve to thousands of schools."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from nacl.signing import SigningKey

from .atomic import atomic_write
from .build import write_library
from .bundle import LibraryBundle
from .format import Manifest, ManifestError, manifest_bytes, parse_manifest
from .hubdelta import make_delta, sorted_manifest
from .hubformat import (
    HEAD_NAME,
    INLINE_MAX,
    MAX_DELTAS,
    MAX_HEAD_RAW,
    DeltaRef,
    FileRef,
    Head,
    Index,
    PackRef,
    Patch,
    gunzip_bounded,
    gzip_bytes,
    head_message,
    index_bytes,
    index_relpath,
    parse_index,
    transfer_relpath,
)
from .hubpack import pack_members, pack_records, write_pack
from .signing import SIGNATURE_BYTES, open_signed, public_key_hex, sign_blob

HISTORY_NAME = "history.json"
KEEP_VERSIONS = 8


@dataclass
class PublishResult:
    library_id: str
    version: int
    unchanged: bool
    deltas: int
    head_bytes: int


def _write_file(out: Path, data: bytes) -> FileRef:
    sha = hashlib.sha256(data).hexdigest()
    path = out / transfer_relpath(sha)
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, data)
    return FileRef(sha, len(data))


def _reader(bundle: LibraryBundle) -> Callable[[str], bytes]:
    def read_object(sha: str) -> bytes:
        with bundle.open_object(sha) as obj:
            return obj.read()

    return read_object


def _write_pack(out: Path, members: dict[str, int], bundle: LibraryBundle) -> PackRef | None:
    if not members:
        return None
    (out / "t").mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=out / "t", suffix=".tmp")
    try:
        with os.fdopen(fd, "w+b") as stream:
            raw = write_pack(members, _reader(bundle), stream)
            stream.flush()
            os.fsync(stream.fileno())
            size = stream.tell()
            stream.seek(0)
            sha = hashlib.file_digest(stream, "sha256").hexdigest()
        os.replace(tmp_name, out / transfer_relpath(sha))
    finally:
        Path(tmp_name).unlink(missing_ok=True)
    return PackRef(sha, size, raw, len(members))


def _history(out: Path, key: SigningKey) -> list[dict]:
    """The hub folder's list of recent versions, newest first, if its head was signed with our key."""
    head_path = out / HEAD_NAME
    if not head_path.is_file():
        return []
    open_signed(head_path.read_bytes(), public_key_hex(key), HEAD_NAME)  # another key's hub folder stays as it is
    history_path = out / HISTORY_NAME
    return json.loads(history_path.read_text()) if history_path.is_file() else []


def _old_manifest(out: Path, entry: dict, max_manifest_bytes: int, max_lessons: int) -> Manifest | None:
    path = out / transfer_relpath(entry["file"])
    if not path.is_file():
        return None
    return parse_manifest(gunzip_bounded(path.read_bytes(), max_manifest_bytes, str(path)), max_lessons)


def _read_index(out: Path, version: int, key: SigningKey, max_manifest_bytes: int) -> Index | None:
    path = out / index_relpath(version)
    if not path.is_file():
        return None
    return parse_index(open_signed(path.read_bytes(), public_key_hex(key), str(path)), max_manifest_bytes, str(path))


def _patch(bundle: LibraryBundle, manifest: Manifest, base: Manifest | None, base_version: int) -> Patch | None:
    """The change from the version just before, to ride inside the head (None when it is too big for that)."""
    if base is None:
        return None
    members = pack_members(manifest, base)
    delta = make_delta(base, manifest)
    if sum(members.values()) + len(delta) > MAX_HEAD_RAW // 2:
        return None
    return Patch(base_version, delta, b"".join(pack_records(members, _reader(bundle))))


def publish(
    bundle: LibraryBundle, out: Path, key: SigningKey, max_manifest_bytes: int, max_lessons: int
) -> PublishResult:
    """Write `bundle` into the hub folder `out`: objects, transport files, the index, then the signed head last."""
    out.mkdir(parents=True, exist_ok=True)
    manifest = sorted_manifest(bundle.manifest)
    raw = manifest_bytes(manifest)
    sha = hashlib.sha256(raw).hexdigest()
    history = _history(out, key)
    if history and history[0]["manifest"] == sha:
        return PublishResult(
            manifest.library_id, manifest.version, True, history[0].get("deltas", 0), (out / HEAD_NAME).stat().st_size
        )
    if history and manifest.version <= history[0]["version"]:
        raise ManifestError(
            f"is version {manifest.version}, but the hub has published version "
            f"{history[0]['version']}; raise the version in library.toml",
            field="version",
        )
    bases = {
        entry["manifest"]: _old_manifest(out, entry, max_manifest_bytes, max_lessons) for entry in history[:MAX_DELTAS]
    }
    previous_manifest = bases.get(history[0]["manifest"]) if history else None
    if previous_manifest is not None and previous_manifest.library_id != manifest.library_id:
        raise ManifestError(f"this hub folder publishes library {previous_manifest.library_id!r}", field="library_id")
    write_library(LibraryBundle(manifest, sha, bundle.root, bundle.sources), out)
    manifest_file = _write_file(out, gzip_bytes(raw))
    deltas = []
    for base_sha, base in bases.items():
        delta = gzip_bytes(make_delta(base, manifest)) if base is not None else b""
        if not delta or len(delta) * 2 >= manifest_file.size:
            continue
        ref = _write_file(out, delta)
        deltas.append(DeltaRef(ref.sha256, ref.size, base_sha, _write_pack(out, pack_members(manifest, base), bundle)))
    index = Index(
        manifest.library_id,
        manifest.version,
        sha,
        len(raw),
        manifest_file,
        _write_pack(out, pack_members(manifest), bundle),
        tuple(deltas),
    )
    (out / "i").mkdir(exist_ok=True)
    atomic_write(out / index_relpath(manifest.version), sign_blob(key, index_bytes(index)))
    head = Head(manifest.library_id, manifest.version, sha, len(raw))
    patch = _patch(bundle, manifest, previous_manifest, history[0]["version"]) if history else None
    message = head_message(dataclasses.replace(head, patch=patch)) if patch else b""
    if not message or len(message) + SIGNATURE_BYTES > INLINE_MAX:
        message = head_message(head)  # the change is too big to ride in the head: schools read the index
    signed = sign_blob(key, message)
    previous_index = _read_index(out, history[0]["version"], key, max_manifest_bytes) if history else None
    history = [
        {"version": manifest.version, "manifest": sha, "file": manifest_file.sha256, "deltas": len(deltas)},
        *history,
    ][: KEEP_VERSIONS + 1]
    atomic_write(out / HISTORY_NAME, json.dumps(history, indent=1).encode())
    previous_mtime = (out / HEAD_NAME).stat().st_mtime if (out / HEAD_NAME).is_file() else 0.0
    atomic_write(out / HEAD_NAME, signed)
    stamp = max(time.time(), previous_mtime + 1.0)
    os.utime(out / HEAD_NAME, (stamp, stamp))  # servers' ETags (nginx: mtime-size) must change with the head
    _prune(out, index, previous_index, history)
    _prune_objects(out, {**(previous_manifest.objects() if previous_manifest else {}), **manifest.objects()})
    return PublishResult(manifest.library_id, manifest.version, False, len(deltas), len(signed))


def _prune(out: Path, index: Index, previous: Index | None, history: list[dict]) -> None:
    """Drop transport files and indexes nothing refers to; the previous version's stay, for schools mid-download."""
    keep = {ref.sha256 for i in (index, previous) if i for ref in i.files()} | {e["file"] for e in history}
    for path in (out / "t").iterdir():
        if path.name not in keep:
            path.unlink()
    versions = {index_relpath(i.version) for i in (index, previous) if i}
    for path in (out / "i").iterdir():
        if f"i/{path.name}" not in versions:
            path.unlink()


def _prune_objects(out: Path, keep: dict[str, int]) -> None:
    """Objects only older versions used go; the previous version's stay, for schools mid-download."""
    for folder in (out / "objects").iterdir():
        for path in folder.iterdir():
            if folder.name + path.name not in keep:
                path.unlink()
