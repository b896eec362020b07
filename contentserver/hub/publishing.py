"""Approved pushed lessons in the hub's next `contentserver publish` of its installed library.

They are not written into the installed manifest: a later import of the hub's own library would then drop
them or clash with its version. Publishing adds them instead, and the version it publishes is the installed
version plus the number of approvals so far: it grows whenever either does, so schools always see a newer
library, and a publish with nothing new stays a no-op. Videos' copies the hub's worker made since are listed too
(format 4), and a library changed by them alone goes out as the version after the last one published."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from ..db import db
from ..library.bundle import LibraryBundle
from ..library.format import AttachmentEntry, RenditionEntry, manifest_bytes
from ..library.hubdelta import sorted_manifest
from ..library.objects import ObjectStore
from ..library.publish import HISTORY_NAME
from ..models import PushedLesson
from ..video.renditions import renditions_of
from .commit import entry_of


def _utc(moment: datetime) -> datetime:
    """SQLite hands datetimes back without their zone; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def with_approved_lessons(bundle: LibraryBundle) -> LibraryBundle:
    """The installed library's bundle with every approved pushed lesson (its latest approval) added."""
    rows = list(
        db.session.scalars(
            select(PushedLesson)
            .where(PushedLesson.state == "approved")
            .order_by(PushedLesson.decided_at, PushedLesson.id)
        )
    )
    if not rows:
        return bundle
    manifest = bundle.manifest
    own = {lesson.id for lesson in manifest.lessons}
    latest = {row.hub_lesson_id: row for row in rows if row.hub_lesson_id not in own}
    entries = tuple(entry_of({**row.entry, "id": hub_id}) for hub_id, row in sorted(latest.items()))
    decided = rows[-1].decided_at
    assert decided is not None  # (an approved row has been decided)
    last = _utc(decided)
    created = (
        manifest.created
        if datetime.fromisoformat(manifest.created) >= last
        else last.isoformat(timespec="seconds").replace("+00:00", "Z")
    )
    # pushed lessons join the library's books and channels, never replace them
    merged = dataclasses.replace(
        manifest, version=manifest.version + len(rows), created=created, lessons=manifest.lessons + entries
    )
    return LibraryBundle(merged, hashlib.sha256(manifest_bytes(merged)).hexdigest(), bundle.root, bundle.sources)


def with_renditions(bundle: LibraryBundle, store: ObjectStore) -> tuple[LibraryBundle, int]:
    """The bundle with each video's low copy and poster that this hub made listed on its entry (format 4), so a
    school pulling "low" (VIDEO_PULL) leaves the original here; and how many videos have no low copy yet (they go
    out whole until the next publish)."""
    videos = [a for lesson in bundle.manifest.lessons for a in lesson.attachments if a.kind == "video"]
    copies = renditions_of(a.sha256 for a in videos)
    waiting = sum(1 for a in videos if "low" not in copies.get(a.sha256, {}))

    def listed(a: AttachmentEntry) -> AttachmentEntry:
        rows = [row for kind, row in sorted(copies.get(a.sha256, {}).items()) if store.has(row.rendition_sha256)]
        if a.kind != "video" or not rows:
            return a
        found = tuple(
            RenditionEntry(row.kind, row.rendition_sha256, row.size, row.media_type, row.width, row.height)
            for row in rows
        )
        return dataclasses.replace(a, renditions=found)

    if not copies:
        return bundle, waiting
    lessons = tuple(
        dataclasses.replace(lesson, attachments=tuple(listed(a) for a in lesson.attachments))
        for lesson in bundle.manifest.lessons
    )
    manifest = dataclasses.replace(bundle.manifest, lessons=lessons)
    digest = hashlib.sha256(manifest_bytes(manifest)).hexdigest()
    return LibraryBundle(manifest, digest, bundle.root, bundle.sources), waiting


def after_last_publish(bundle: LibraryBundle, out: Path) -> LibraryBundle:
    """The hub's own library, as a version above the one `out` last published whenever its content changed (a
    conversion finished since, so its copies are listed now): a school installs only a higher version."""
    history = out / HISTORY_NAME
    if not history.is_file():
        return bundle
    last = json.loads(history.read_text())[0]
    if bundle.manifest.version > last["version"]:
        return bundle
    for version in (last["version"], last["version"] + 1):  # the same content again is the same version: a no-op
        manifest = dataclasses.replace(sorted_manifest(bundle.manifest), version=version)
        digest = hashlib.sha256(manifest_bytes(manifest)).hexdigest()
        if digest == last["manifest"] or version > last["version"]:
            break
    return LibraryBundle(manifest, digest, bundle.root, bundle.sources)
