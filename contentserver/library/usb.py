"""USB sticks (sneakernet): the installed library with the hub's signed head; FAT32-safe, big objects in parts."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select

from ..db import db
from ..models import Hub, InstalledLibrary
from .atomic import atomic_file
from .bundle import LibraryBundle
from .format import MANIFEST_NAME, ManifestError, object_relpath, parse_manifest
from .hubformat import HEAD_NAME, check_manifest, parse_head
from .importer import ImportLimits, ImportResult, install_bundle
from .manifests import read_manifest
from .objects import CHUNK, ObjectStore
from .signing import open_signed


@dataclass
class ExportResult:
    library_id: str
    version: int
    objects: int
    split: int


def part_path(whole: Path, index: int) -> Path:
    """objects/ab/cdef….part0000: the pieces of an object too big for one FAT32 file."""
    return whole.with_name(f"{whole.name}.part{index:04d}")


class _Parts(io.RawIOBase):
    """The parts of one object read back to back, as one stream."""

    def __init__(self, paths: list[Path]):
        self.paths = list(paths)
        self.current: io.BufferedReader | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while True:
            if self.current is None:
                if not self.paths:
                    return 0
                self.current = open(self.paths.pop(0), "rb")  # noqa: SIM115
            n = self.current.readinto(buffer)
            if n:
                return n
            self.current.close()
            self.current = None

    def close(self) -> None:
        if self.current is not None:
            self.current.close()
        super().close()


class StickBundle(LibraryBundle):
    """A library folder whose big objects may be split into parts."""

    def has_object(self, sha256: str) -> bool:
        return super().has_object(sha256) or part_path(self.object_path(sha256), 0).is_file()

    def open_object(self, sha256: str) -> BinaryIO:
        whole = self.object_path(sha256)
        if whole.is_file() or not part_path(whole, 0).is_file():
            return super().open_object(sha256)
        paths, index = [], 0
        while part_path(whole, index).is_file():
            paths.append(part_path(whole, index))
            index += 1
        return io.BufferedReader(_Parts(paths), CHUNK)


def _exported_library() -> tuple[InstalledLibrary, bytes | None]:
    """The installed library to export and the signed head that names it (None for an unsigned library)."""
    for hub in db.session.scalars(select(Hub).where(Hub.head_signed.is_not(None))):
        installed = db.session.get(InstalledLibrary, hub.library_id)
        if installed is not None and hub.head_signed is not None:  # (as selected)
            head = parse_head(open_signed(hub.head_signed, hub.public_key, HEAD_NAME), 1 << 40)
            if head.manifest_sha256 == installed.manifest_sha256:
                return installed, hub.head_signed
    installed = db.session.scalar(select(InstalledLibrary).order_by(InstalledLibrary.library_id).limit(1))
    if installed is None:
        raise ManifestError("no library is installed here, so there is nothing to export", file="export")
    return installed, None


def _copy(src: BinaryIO, dest: Path, size: int) -> None:
    if dest.is_file() and dest.stat().st_size == size:
        return
    with atomic_file(dest) as out:
        left = size
        while left:
            block = src.read(min(CHUNK, left))
            if not block:
                raise ManifestError("ended early while exporting", file=str(dest))
            out.write(block)
            left -= len(block)


def installed_bundle(store: ObjectStore) -> tuple[LibraryBundle, bytes, bytes | None]:
    """The installed library as a bundle over the object store, its manifest bytes and its signed head if any."""
    installed, head = _exported_library()
    raw = read_manifest(store, installed.manifest_sha256)
    if raw is None:
        raise ManifestError(
            "the installed manifest is not kept here; import or sync the library again first", file="installed library"
        )
    return LibraryBundle(parse_manifest(raw, 1 << 40), installed.manifest_sha256, store.root.parent), raw, head


def export_library(dest: Path, store: ObjectStore, part_bytes: int) -> ExportResult:
    """Objects first (big ones in parts), then manifest.json, then head.signed; a re-run resumes."""
    bundle, raw, head = installed_bundle(store)
    manifest = bundle.manifest
    (dest / HEAD_NAME).unlink(missing_ok=True)
    split = 0
    optional = manifest.optional_originals()
    objects = {sha: size for sha, size in manifest.objects().items() if sha not in optional or store.has(sha)}
    for sha, size in objects.items():  # a video's original this box left on the hub stays out: its low copy is in
        whole = dest / object_relpath(sha)
        whole.parent.mkdir(parents=True, exist_ok=True)
        with open(store.path(sha), "rb") as src:
            if size <= part_bytes:
                _copy(src, whole, size)
                continue
            split += 1
            for index, start in enumerate(range(0, size, part_bytes)):
                _copy(src, part_path(whole, index), min(part_bytes, size - start))
    _copy(io.BytesIO(raw), dest / MANIFEST_NAME, len(raw))
    if head is not None:
        _copy(io.BytesIO(head), dest / HEAD_NAME, len(head))
    return ExportResult(manifest.library_id, manifest.version, len(objects), split)


def open_stick(path: Path, max_manifest_bytes: int, max_lessons: int) -> StickBundle:
    """A stick's library, if a hub key pinned here signed its head and the manifest is the one the head names."""
    blob = (path / HEAD_NAME).read_bytes()
    hubs = list(db.session.scalars(select(Hub)))
    if not hubs:
        raise ManifestError(
            "is signed, but no hub key is pinned here: `contentserver hub add URL --key PUBKEY`", file=HEAD_NAME
        )
    message, error = None, None
    for hub in hubs:
        try:
            message = open_signed(blob, hub.public_key, HEAD_NAME)
            break
        except ManifestError as exc:
            error = exc
    if message is None:
        assert error is not None  # every pinned key was tried, and each failed
        raise error
    head = parse_head(message, max_manifest_bytes)
    manifest_file = path / MANIFEST_NAME
    if not manifest_file.is_file() or manifest_file.stat().st_size != head.manifest_size:
        raise ManifestError("is missing or not the one the signed head names", file=MANIFEST_NAME)
    manifest = check_manifest(manifest_file.read_bytes(), head, max_lessons)
    installed = db.session.get(InstalledLibrary, manifest.library_id)
    if installed is not None and installed.version > manifest.version:
        raise ManifestError(
            f"this stick holds version {manifest.version} of {manifest.library_id}; the newer "
            f"version {installed.version} is already installed, so nothing was changed",
            file=str(path),
        )
    return StickBundle(manifest, head.manifest_sha256, path)


def import_stick(path: Path, store: ObjectStore, limits: ImportLimits) -> ImportResult:
    """Verify a USB export (signature, manifest, every object's hash) and install it through the atomic path."""
    return install_bundle(open_stick(path, limits.max_manifest_bytes, limits.max_lessons), store, limits)


def is_stick(path: Path) -> bool:
    """A folder written by `contentserver export` with a hub's signature (plain folders import as before)."""
    return (path / HEAD_NAME).is_file()
