"""The installed manifests' exact bytes, kept beside the object store: the base of sync deltas and USB exports."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .atomic import atomic_write
from .format import SHA256_RE
from .objects import ObjectStore

FOLDER = "manifests"


def manifest_path(store: ObjectStore, sha256: str) -> Path:
    if not SHA256_RE.match(sha256):
        raise ValueError(f"not a sha256: {sha256!r}")
    return store.root.parent / FOLDER / f"{sha256}.json"


def keep_manifest(store: ObjectStore, raw: bytes) -> None:
    """Write the bytes under their sha256 (temporary name, fsync, rename), once."""
    path = manifest_path(store, hashlib.sha256(raw).hexdigest())
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, raw)


def read_manifest(store: ObjectStore, sha256: str) -> bytes | None:
    """The kept bytes if they are there and still hash to their name, else None."""
    path = manifest_path(store, sha256)
    if not path.is_file():
        return None
    raw = path.read_bytes()
    return raw if hashlib.sha256(raw).hexdigest() == sha256 else None
