"""Publishing a hub folder: plain static files any HTTP server or CDN can serve to thousands of schools."""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from nacl.signing import SigningKey

from .build import write_library
from .bundle import LibraryBundle
from .format import Manifest, ManifestError, manifest_bytes, parse_manifest
from .hubformat import (HEAD_NAME, MAX_DELTAS, DeltaRef, FileRef, Head, PackRef, gunzip_bounded, gzip_bytes,
                        head_bytes, make_delta, pack_members, parse_head, sorted_manifest, transfer_relpath,
                        write_pack)
from .manifests import atomic_write
from .signing import open_signed, public_key_hex, sign_blob

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


def _write_pack(out: Path, members: dict[str, int], bundle: LibraryBundle) -> PackRef | None:
    if not members:
        return None
    (out / "t").mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=out / "t", suffix=".tmp")
    try:
        with os.fdopen(fd, "w+b") as stream:
            def read_object(sha: str) -> bytes:
                with bundle.open_object(sha) as obj:
                    return obj.read()
            raw = write_pack(members, read_object, stream)
            stream.flush()
            os.fsync(stream.fileno())
            size = stream.tell()
            stream.seek(0)
            sha = hashlib.file_digest(stream, "sha256").hexdigest()
        os.replace(tmp_name, out / transfer_relpath(sha))
    finally:
        Path(tmp_name).unlink(missing_ok=True)
    return PackRef(sha, size, raw, len(members))


def _previous(out: Path, key: SigningKey, max_manifest_bytes: int) -> tuple[Head | None, list[dict]]:
    """The hub folder's current head (checked with our own key) and its list of recent versions."""
    head_path = out / HEAD_NAME
    if not head_path.is_file():
        return None, []
    head = parse_head(open_signed(head_path.read_bytes(), public_key_hex(key), HEAD_NAME), max_manifest_bytes)
    history_path = out / HISTORY_NAME
    history = json.loads(history_path.read_text()) if history_path.is_file() else []
    return head, history


def _old_manifest(out: Path, entry: dict, max_manifest_bytes: int, max_lessons: int) -> Manifest | None:
    path = out / transfer_relpath(entry["file"])
    if not path.is_file():
        return None
    return parse_manifest(gunzip_bounded(path.read_bytes(), max_manifest_bytes, str(path)), max_lessons)


def publish(bundle: LibraryBundle, out: Path, key: SigningKey, max_manifest_bytes: int,
            max_lessons: int) -> PublishResult:
    """Write `bundle` into the hub folder `out`: objects, transport files, then the signed head last."""
    out.mkdir(parents=True, exist_ok=True)
    manifest = sorted_manifest(bundle.manifest)
    raw = manifest_bytes(manifest)
    sha = hashlib.sha256(raw).hexdigest()
    previous, history = _previous(out, key, max_manifest_bytes)
    if previous is not None and previous.library_id != manifest.library_id:
        raise ManifestError(f"this hub folder publishes library {previous.library_id!r}", field="library_id")
    if previous is not None and previous.manifest_sha256 == sha:
        return PublishResult(manifest.library_id, manifest.version, True, len(previous.deltas),
                             (out / HEAD_NAME).stat().st_size)
    if previous is not None and manifest.version <= previous.version:
        raise ManifestError(f"is version {manifest.version}, but the hub has published version "
                            f"{previous.version}; raise the version in library.toml", field="version")
    write_library(LibraryBundle(manifest, sha, bundle.root, bundle.sources), out)
    manifest_file = _write_file(out, gzip_bytes(raw))
    deltas, bases = [], {}
    for entry in history[:MAX_DELTAS]:
        base = bases[entry["manifest"]] = _old_manifest(out, entry, max_manifest_bytes, max_lessons)
        if base is None:
            continue
        delta = gzip_bytes(make_delta(base, manifest))
        if len(delta) * 2 >= manifest_file.size:
            continue
        ref = _write_file(out, delta)
        deltas.append(DeltaRef(ref.sha256, ref.size, entry["manifest"],
                               _write_pack(out, pack_members(manifest, base), bundle)))
    head = Head(manifest.library_id, manifest.version, manifest.created, sha, len(raw), manifest_file,
                _write_pack(out, pack_members(manifest), bundle), tuple(deltas))
    previous_manifest = bases.get(history[0]["manifest"]) if history else None
    history = [{"version": manifest.version, "manifest": sha, "file": manifest_file.sha256},
               *history][:KEEP_VERSIONS + 1]
    signed = sign_blob(key, head_bytes(head))
    atomic_write(out / HISTORY_NAME, json.dumps(history, indent=1).encode())
    previous_mtime = (out / HEAD_NAME).stat().st_mtime if previous is not None else 0.0
    atomic_write(out / HEAD_NAME, signed)
    stamp = max(time.time(), previous_mtime + 1.0)
    os.utime(out / HEAD_NAME, (stamp, stamp))   # servers' ETags (nginx: mtime-size) must change with the head
    _prune(out, head, previous, history)
    _prune_objects(out, {**(previous_manifest.objects() if previous_manifest else {}), **manifest.objects()})
    return PublishResult(manifest.library_id, manifest.version, False, len(deltas), len(signed))


def _prune(out: Path, head: Head, previous: Head | None, history: list[dict]) -> None:
    """Drop transport files nothing refers to; the previous head's stay, for schools mid-download."""
    keep = {ref.sha256 for h in (head, previous) if h for ref in h.files()} | {e["file"] for e in history}
    for path in (out / "t").iterdir():
        if path.name not in keep:
            path.unlink()


def _prune_objects(out: Path, keep: dict[str, int]) -> None:
    """Objects only older versions used go; the previous version's stay, for schools mid-download."""
    for folder in (out / "objects").iterdir():
        for path in folder.iterdir():
            if folder.name + path.name not in keep:
                path.unlink()
