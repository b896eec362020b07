"""Approved pushed lessons in the hub's next `contentserver publish` of its installed library.

They are not written into the installed manifest: a later import of the hub's own library would then drop
them or clash with its version. Publishing adds them instead, and the version it publishes is the installed
version plus the number of approvals so far: it grows whenever either does, so schools always see a newer
library, and a publish with nothing new stays a no-op."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy import select

from ..db import db
from ..library.bundle import LibraryBundle
from ..library.format import Manifest, manifest_bytes
from ..models import PushedLesson
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
    merged = Manifest(
        manifest.library_id,
        manifest.title,
        manifest.version + len(rows),
        created,
        manifest.lessons + entries,
        manifest.format_version,
        books=manifest.books,  # pushed lessons join the library's books, never replace them
    )
    return LibraryBundle(merged, hashlib.sha256(manifest_bytes(merged)).hexdigest(), bundle.root, bundle.sources)
