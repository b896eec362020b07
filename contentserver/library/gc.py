"""Clean-up: staging leftovers and objects nothing refers to, after a grace period, so the disk cannot grow forever."""

from __future__ import annotations

import fcntl
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import select

from ..db import db
from ..models import Attachment, Book, ImageVariant, InstalledLibrary, Lesson, LessonRevision, VideoRendition
from .format_channels import CHANNELS_SINCE_VERSION
from .manifests import FOLDER as MANIFESTS
from .manifests import read_manifest
from .objects import ObjectStore
from .render_cache import FOLDER as RENDERED

LOCK_NAME = "sync.lock"


@dataclass
class Freed:
    files: int = 0
    bytes: int = 0


def exclusive(data_dir: Path) -> IO:
    """The data folder's sync lock (held by a pull and by gc); raises BlockingIOError when another holds it."""
    path = Path(data_dir) / "staging" / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "w")  # noqa: SIM115
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise
    return handle


def _revision_refs() -> set[str]:
    """Objects that a teacher's saved revisions need, so every revision stays restorable."""
    refs: set[str] = set()
    for snapshot_json in db.session.scalars(select(LessonRevision.snapshot_json)):
        snapshot = json.loads(snapshot_json)
        refs.add(snapshot["body_sha256"])
        refs |= {a["sha256"] for a in snapshot.get("attachments", [])}
    return refs


def _channel_refs(store: ObjectStore) -> set[str]:
    """A Kolibri channel's tree and files are named only by its library's manifest (format 3): read the kept
    manifests of the installed libraries that have channels."""
    refs: set[str] = set()
    for (sha,) in db.session.execute(
        select(InstalledLibrary.manifest_sha256).where(InstalledLibrary.format_version >= CHANNELS_SINCE_VERSION)
    ):
        raw = read_manifest(store, sha)
        if raw is None:
            raise RuntimeError(f"the installed manifest {sha} is not kept; gc stops rather than lose a channel")
        for channel in json.loads(raw).get("channels", []):
            refs.add(channel["tree"]["sha256"])
            refs |= {ref["sha256"] for ref in channel["files"]}
    return refs


def referenced(kept: set[str], store: ObjectStore | None = None) -> set[str]:
    """Every sha256 a lesson row (hub or teacher, published or draft), a book, a revision, a manifest, or `kept`
    (what the parts above the library hold on to) needs, and the smaller copies of those images and videos."""
    refs = set(db.session.scalars(select(Lesson.body_sha256)))
    refs |= set(db.session.scalars(select(Attachment.sha256)))
    refs |= _revision_refs()
    refs |= set(db.session.scalars(select(InstalledLibrary.manifest_sha256)))
    refs |= kept
    refs |= set(db.session.scalars(select(Book.zim_sha256)))  # a book's ZIM, read in place
    if store is not None:
        refs |= _channel_refs(store)
    refs |= {
        variant
        for original, variant in db.session.execute(select(ImageVariant.sha256, ImageVariant.variant_sha256))
        if original in refs
    }
    refs |= {  # a video's low copy and poster (contentserver/video/), while the video is kept
        copy
        for original, copy in db.session.execute(select(VideoRendition.sha256, VideoRendition.rendition_sha256))
        if original in refs
    }
    return refs


def _drop(path: Path, cutoff: float, freed: Freed) -> None:
    stat = path.stat()
    if stat.st_mtime < cutoff:
        path.unlink()
        freed.files += 1
        freed.bytes += stat.st_size


def sweep(data_dir: Path, store: ObjectStore, grace: float, kept: set[str]) -> Freed:
    """Delete what is older than `grace` seconds and unreferenced (see `referenced`); call with the sync lock held.
    contentserver/cleanup.py says what the parts above the library keep."""
    cutoff, freed = time.time() - grace, Freed()
    for path in (data_dir / "staging").rglob("*"):
        if path.is_file() and path.name != LOCK_NAME:
            _drop(path, cutoff, freed)
    refs = referenced(kept, store)
    for path in (data_dir / MANIFESTS).glob("*.json*"):
        if path.name.split(".")[0] not in refs:
            _drop(path, cutoff, freed)
    for path in (data_dir / RENDERED).rglob("*"):  # <body sha256>.<urls>.html, or a write's leftover .tmp-…
        if path.is_file() and path.name.split(".")[0] not in refs:
            _drop(path, cutoff, freed)
    for sha in list(store):
        if sha not in refs:
            _drop(store.path(sha), cutoff, freed)
    return freed
