"""One pull: signed head, manifest (delta or whole), missing objects into staging, then the one-step switch."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from contentserver.db import db
from contentserver.library.atomic import atomic_write
from contentserver.library.bundle import LibraryBundle
from contentserver.library.format import Manifest, ManifestError, object_relpath, parse_manifest
from contentserver.library.hubdelta import apply_delta
from contentserver.library.hubformat import (
    HEAD_NAME,
    MAX_HEAD_BYTES,
    MAX_INDEX_BYTES,
    FileRef,
    Head,
    Index,
    PackRef,
    check_manifest,
    gunzip_bounded,
    index_relpath,
    parse_head,
    parse_index,
    transfer_relpath,
)
from contentserver.library.hubpack import PACK_OBJECT_MAX, pack_members, read_pack, read_records
from contentserver.library.importer import ImportLimits, install_bundle
from contentserver.library.manifests import read_manifest
from contentserver.library.objects import ObjectStore
from contentserver.library.signing import open_signed
from contentserver.library.store import bump_data_version
from contentserver.models import Attachment, Hub, InstalledLibrary, Lesson

from .errors import DiskFull, Refused
from .progress import Display
from .transfer import HubClient


@dataclass
class PullResult:
    """What a run did, for the exit line and the log."""

    library_id: str = ""
    from_version: int | None = None
    to_version: int | None = None
    up_to_date: bool = False
    objects: int = 0
    object_bytes: int = 0
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


class Puller:
    """Pulls one hub's library into one data folder; the caller holds the sync lock."""

    def __init__(self, app: Flask, hub: Hub, client: HubClient, display: Display):
        self.app, self.hub, self.client, self.display = app, hub, client, display
        self.store: ObjectStore = app.extensions["object_store"]
        self.limits = ImportLimits.from_config(app.config)
        self.staging = Path(app.config["DATA_DIR"]) / "staging" / "pull"
        self.staging.mkdir(parents=True, exist_ok=True)
        self.reserve = app.config["DISK_RESERVE_BYTES"]
        self.kept: list[Path] = []

    def run(self) -> PullResult:
        result = PullResult()
        head_raw, etag = self._head()
        if head_raw is None:
            result.up_to_date, result.library_id = True, self.hub.library_id or ""
            installed = db.session.get(InstalledLibrary, result.library_id)
            result.from_version = result.to_version = installed.version if installed else None
            self._top_up(installed, result)
            return result
        head = parse_head(open_signed(head_raw, self.hub.public_key, HEAD_NAME), self.limits.max_manifest_bytes)
        result.library_id, result.to_version = head.library_id, head.version
        if self.hub.library_id and head.library_id != self.hub.library_id:
            raise Refused(
                f"{HEAD_NAME}: the hub now offers library {head.library_id!r}, not {self.hub.library_id!r} as before"
            )
        installed = db.session.get(InstalledLibrary, head.library_id)
        result.from_version = installed.version if installed else None
        if installed is not None and installed.manifest_sha256 == head.manifest_sha256:
            self._remember(head_raw, etag, head)
            result.up_to_date = True
            self._top_up(installed, result)
            return result
        if installed is not None and head.version <= installed.version:
            raise Refused(
                f"{HEAD_NAME}: the hub offers version {head.version}, but version {installed.version} is "
                "installed; an older (or rewritten) library is never installed over a newer one"
            )
        manifest, base, pack, inline = self._manifest(head, installed)
        wanted = manifest.wanted_objects(self.limits.originals)  # VIDEO_PULL: originals only if "all"
        missing = {sha: size for sha, size in wanted.items() if not self.store.has(sha)}
        for sha, size in missing.items():
            if size > self.limits.max_object_bytes:
                raise Refused(f"object {sha} is {size} bytes; at most {self.limits.max_object_bytes} are accepted")
        result.objects, result.object_bytes = len(missing), sum(missing.values())
        self._check_disk(result.object_bytes)
        if inline:
            self._store_inline(head, manifest, missing)
        members = self._pack_members(pack, manifest, base, missing)
        in_pack = sum(members.get(sha, 0) for sha in missing)
        fetched = pack if members else None  # (members come only from a pack)
        self.display.start(len(missing), result.object_bytes - in_pack + (fetched.size if fetched is not None else 0))
        if fetched is not None:
            self._fetch_pack(fetched, members, missing)
        for sha, size in sorted(missing.items(), key=lambda item: item[1]):
            self._fetch_object(sha, size)
        self.display.stop()
        installed_result = install_bundle(
            LibraryBundle(manifest, head.manifest_sha256, self.staging), self.store, self.limits
        )
        result.added, result.updated, result.removed = (
            installed_result.added,
            installed_result.updated,
            installed_result.removed,
        )
        self._remember(head_raw, etag, head)
        for part in self.kept:
            _drop(part)
        return result

    def _top_up(self, installed: InstalledLibrary | None, result: PullResult) -> None:
        """VIDEO_PULL "all" on a box that left videos' originals on the hub (it pulled with "low", or a stick
        brought the copies only): fetch them now, though the library has not changed; the pages then offer them."""
        if installed is None or not self.limits.originals or not self._lacks_a_video(installed.library_id):
            return
        raw = read_manifest(self.store, installed.manifest_sha256)
        if raw is None:
            return
        optional = parse_manifest(raw, self.limits.max_lessons).optional_originals()
        missing = {sha: size for sha, size in optional.items() if not self.store.has(sha)}
        result.objects, result.object_bytes = len(missing), sum(missing.values())
        if not missing:
            return
        self._check_disk(result.object_bytes)
        self.display.start(len(missing), result.object_bytes)
        for sha, size in sorted(missing.items(), key=lambda item: item[1]):
            self._fetch_object(sha, size)
        self.display.stop()
        bump_data_version()  # lesson pages made without the originals are made again
        db.session.commit()

    def _lacks_a_video(self, library_id: str) -> bool:
        """Whether a video of the library is not in the store: the cheap look before any manifest is read."""
        videos = (
            select(Attachment.sha256).join(Lesson).where(Lesson.library_id == library_id, Attachment.kind == "video")
        )
        return any(not self.store.has(sha) for sha in db.session.scalars(videos))

    def _head(self) -> tuple[bytes | None, str | None]:
        """The signed head, or None when it has not changed since the last run (a conditional request)."""
        etag = self.hub.head_etag if self.hub.head_signed else None
        status, body, new_etag = self.client.get_small(HEAD_NAME, MAX_HEAD_BYTES, etag)
        return (None, etag) if status == 304 else (body, new_etag)

    def _remember(self, head_raw: bytes, etag: str | None, head: Head) -> None:
        self.hub.head_signed, self.hub.head_etag, self.hub.library_id = head_raw, etag, head.library_id
        db.session.commit()

    def _download(self, ref: FileRef, limit: int) -> bytes:
        """A transport file named in the signed head, fetched resumably and verified, then read."""
        if ref.size > limit:
            raise Refused(f"{HEAD_NAME}: a file of {ref.size} bytes is declared; at most {limit} are accepted")
        part = self.staging / f"{ref.sha256}.part"
        self.client.fetch(transfer_relpath(ref.sha256), part, ref.size, ref.sha256)
        self.kept.append(part)  # kept until the install, so a killed run never fetches it twice
        return part.read_bytes()

    def _manifest(
        self, head: Head, installed: InstalledLibrary | None
    ) -> tuple[Manifest, Manifest | None, PackRef | None, bool]:
        """The new manifest, the base it was patched from (if any), the pack file that goes with it, and whether
        the head's own patch made it (its objects ride in the head)."""
        base_raw = read_manifest(self.store, installed.manifest_sha256) if installed is not None else None
        base_sha = installed.manifest_sha256 if installed is not None and base_raw is not None else None
        if (
            head.patch is not None
            and installed is not None
            and base_raw is not None
            and head.patch.base == installed.version
        ):
            manifest = self._patched(head, base_raw, head.patch.delta)
            if manifest is not None:
                return manifest, parse_manifest(base_raw, self.limits.max_lessons), None, True
        index = self._index(head)
        limit = self.limits.max_manifest_bytes
        delta = next((d for d in index.deltas if base_sha is not None and d.base == base_sha), None)
        if delta is not None and base_raw is not None:  # (a delta is looked for only with a base)
            manifest = self._patched(
                head, base_raw, gunzip_bounded(self._download(delta, limit), limit, "manifest delta")
            )
            if manifest is not None:
                return manifest, parse_manifest(base_raw, self.limits.max_lessons), delta.pack, False
        raw = gunzip_bounded(self._download(index.manifest_file, limit), head.manifest_size, "manifest.json")
        return check_manifest(raw, head, self.limits.max_lessons), None, index.pack, False

    def _patched(self, head: Head, base_raw: bytes, delta_raw: bytes) -> Manifest | None:
        """The manifest a delta makes of the installed one, if it is the one the head signs (else the whole one)."""
        raw = apply_delta(base_raw, delta_raw, self.limits.max_lessons)
        if hashlib.sha256(raw).hexdigest() != head.manifest_sha256:
            return None
        return check_manifest(raw, head, self.limits.max_lessons)

    def _index(self, head: Head) -> Index:
        """The signed index of the head's version: where the whole manifest, the whole pack and older deltas are."""
        relpath = index_relpath(head.version)
        kept = self.staging / f"{head.library_id}-{head.version}.index"
        self.kept.append(kept)  # kept until the install, so a killed run never fetches it twice
        if kept.is_file():
            try:
                return self._checked_index(kept.read_bytes(), head, relpath)
            except (ManifestError, Refused):
                kept.unlink()
        raw = self.client.get_small(relpath, MAX_INDEX_BYTES)[1]
        atomic_write(kept, raw)  # before the (slower) checks: a kill right after the download loses nothing
        try:
            return self._checked_index(raw, head, relpath)
        except (ManifestError, Refused):
            kept.unlink()
            raise

    def _checked_index(self, raw: bytes, head: Head, relpath: str) -> Index:
        index = parse_index(open_signed(raw, self.hub.public_key, relpath), self.limits.max_manifest_bytes, relpath)
        if (index.library_id, index.version, index.manifest_sha256) != (
            head.library_id,
            head.version,
            head.manifest_sha256,
        ):
            raise Refused(f"{relpath}: names another library, version or manifest than the signed head")
        return index

    def _store_inline(self, head: Head, manifest: Manifest, missing: dict[str, int]) -> None:
        """The head's own pack: small objects of the new manifest, each verified as it enters the store."""
        assert head.patch is not None  # (only a head's own patch brings objects inline)
        small = {sha: size for sha, size in manifest.objects().items() if size <= PACK_OBJECT_MAX}
        for sha, size, window in read_records(io.BytesIO(head.patch.records), small, f"{HEAD_NAME} pack"):
            if sha in missing:
                self._store(lambda: self.store.put_stream(window, sha, size, source=f"pack object {sha}"))  # noqa: B023
                missing.pop(sha)

    @staticmethod
    def _pack_members(
        pack: PackRef | None, manifest: Manifest, base: Manifest | None, missing: dict[str, int]
    ) -> dict[str, int]:
        """What the pack holds if it is worth fetching (at least half of it is wanted), else nothing."""
        if pack is None:
            return {}
        members = pack_members(manifest, base)
        wanted = sum(size for sha, size in members.items() if sha in missing)
        if not wanted or wanted * 2 < pack.raw or pack.raw != sum(members.values()):
            return {}
        return members

    def _fetch_pack(self, pack: PackRef, members: dict[str, int], missing: dict[str, int]) -> None:
        """Small objects travel in one compressed pack, each verified as it enters the store."""
        self._check_disk(pack.size + sum(size for sha, size in members.items() if sha in missing))
        part = self.staging / f"{pack.sha256}.part"
        self.client.fetch(transfer_relpath(pack.sha256), part, pack.size, pack.sha256)
        with open(part, "rb") as stream:
            for sha, size, window in read_pack(stream, members, "pack " + pack.sha256[:12]):
                if sha in missing:
                    self._store(lambda: self.store.put_stream(window, sha, size, source=f"pack object {sha}"))  # noqa: B023
                    missing.pop(sha)
                    self.display.add_object()
        _drop(part)

    def _fetch_object(self, sha: str, size: int) -> None:
        self._check_disk(size)
        part = self.staging / f"{sha}.part"
        self.client.fetch(object_relpath(sha), part, size, sha)
        self._adopt(part, sha)
        self.display.add_object()

    def _adopt(self, part: Path, sha: str) -> None:
        """The verified download becomes the object by a rename on the same disk: no second copy, no second hash."""
        with open(part, "rb") as stream:
            os.fsync(stream.fileno())
        self.store.adopt(part, sha)
        _drop(part)  # its ETag validator

    def _store(self, put) -> None:
        try:
            put()
        except ManifestError as exc:
            raise Refused(str(exc)) from None
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise DiskFull("the disk filled while storing objects; the old library keeps serving") from None
            raise

    def _check_disk(self, needed: int) -> None:
        free = shutil.disk_usage(self.staging).free
        if free < needed + self.reserve:
            raise DiskFull(
                f"{needed} bytes are needed plus a reserve of {self.reserve}, but only {free} are free "
                "in the data folder; the old library keeps serving"
            )


def _drop(part: Path) -> None:
    part.unlink(missing_ok=True)
    part.with_name(part.name + ".etag").unlink(missing_ok=True)
