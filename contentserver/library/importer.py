"""Importing a library: objects into the store first, then every lesson row in one transaction."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from ..db import db
from ..models import Attachment, InstalledLibrary, Lesson, utcnow
from .books import apply_library_books, check_library_books
from .bundle import LibraryBundle, open_library
from .changes import books_changed, changing_lessons
from .format import MANIFEST_NAME, LessonEntry, ManifestError, manifest_bytes
from .manifests import keep_manifest
from .markdown_html import object_urls
from .objects import ObjectStore
from .render_cache import store_rendered
from .render_worker import RenderRefused
from .renditions import record_listed
from .variants import make_variants


@dataclass
class ImportResult:
    """What an import changed; `unchanged` when the same library version was already installed."""

    library_id: str
    version: int
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: bool = False
    books: list[str] = field(default_factory=list)  # book ids added, changed or removed


@dataclass(frozen=True)
class ImportLimits:
    max_manifest_bytes: int
    max_lessons: int
    max_object_bytes: int
    originals: bool = True  # a video's original whose low copy is listed comes too (VIDEO_PULL all)

    @classmethod
    def from_config(cls, config: dict) -> ImportLimits:
        return cls(
            config["MAX_MANIFEST_BYTES"],
            config["MAX_LESSONS"],
            config["MAX_OBJECT_BYTES"],
            config.get("VIDEO_PULL", "low") == "all",
        )


def import_library(path: Path, store: ObjectStore, limits: ImportLimits) -> ImportResult:
    """Validate the library folder at `path` and install it; the installed library stays as it was on error."""
    bundle = open_library(path, limits.max_manifest_bytes, limits.max_lessons)
    return install_bundle(bundle, store, limits)


def _check_version(bundle: LibraryBundle) -> InstalledLibrary | None:
    manifest = bundle.manifest
    installed = db.session.get(InstalledLibrary, manifest.library_id)
    if installed is None or installed.manifest_sha256 == bundle.manifest_sha256:
        return installed
    if manifest.version < installed.version:
        raise ManifestError(
            f"is version {manifest.version}, older than the installed version "
            f"{installed.version}; an older library is never installed over a newer one",
            field="version",
        )
    if manifest.version == installed.version:
        raise ManifestError(
            f"has the installed version number {installed.version} but different content; "
            "a changed library needs a higher version",
            field="version",
        )
    return installed


def _check_id_clashes(bundle: LibraryBundle) -> None:
    ids = [lesson.id for lesson in bundle.manifest.lessons]
    for start in range(0, len(ids), 500):
        clash = db.session.execute(
            select(Lesson.id, Lesson.library_id)
            .where(Lesson.id.in_(ids[start : start + 500]))
            .where((Lesson.library_id != bundle.manifest.library_id) | Lesson.library_id.is_(None))
            .limit(1)
        ).first()
        if clash:
            owner = f"library {clash[1]!r}" if clash[1] else "a teacher's lesson"
            raise ManifestError(f"lesson id {clash[0]!r} is already used by {owner}", field="lessons")


def _object_fields(bundle: LibraryBundle) -> dict[str, str]:
    """The manifest field that first refers to each object, so a refusal can name it."""
    fields: dict[str, str] = {}
    for i, lesson in enumerate(bundle.manifest.lessons):
        fields.setdefault(lesson.body.sha256, f"lessons[{i}].body")
        for j, a in enumerate(lesson.attachments):
            fields.setdefault(a.sha256, f"lessons[{i}].attachments[{j}] ({a.name})")
            for k, r in enumerate(a.renditions):
                fields.setdefault(r.sha256, f"lessons[{i}].attachments[{j}].renditions[{k}] ({a.name}, {r.kind})")
    for i, book in enumerate(bundle.manifest.books):
        fields.setdefault(book.zim.sha256, f"books[{i}].zim")
    return fields


def _copy_objects(bundle: LibraryBundle, store: ObjectStore, limits: ImportLimits) -> None:
    fields = _object_fields(bundle)
    objects = bundle.manifest.objects()
    for sha, size in objects.items():
        if size > limits.max_object_bytes:
            raise ManifestError(
                f"object {sha} is {size} bytes; at most {limits.max_object_bytes} are accepted", field=fields[sha]
            )
    optional = bundle.manifest.optional_originals()
    for sha, size in objects.items():
        if sha in optional and not store.has(sha) and not (limits.originals and bundle.has_object(sha)):
            continue  # the video's low copy stands for it: VIDEO_PULL, or a stick from a box that kept copies only
        if not store.has(sha):
            try:
                with bundle.open_object(sha) as stream:
                    store.put_stream(stream, sha, size, source=bundle.describe(sha))
            except ManifestError as exc:
                raise ManifestError(exc.reason, file=exc.file, field=fields[sha]) from None


def _bodies(bundle: LibraryBundle, read: Callable[[str], bytes]) -> Iterator[tuple[str, dict[str, str]]]:
    """Each lesson's body as text with its page's attachment URLs; a body that is not UTF-8 is refused."""
    for i, lesson in enumerate(bundle.manifest.lessons):
        try:
            text = read(lesson.body.sha256).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ManifestError(
                f"is not UTF-8 Markdown (byte {exc.start})",
                file=bundle.describe(lesson.body.sha256),
                field=f"lessons[{i}].body",
            ) from None
        yield text, object_urls((a.name, a.sha256) for a in lesson.attachments)


def _check_bodies(bundle: LibraryBundle, store: ObjectStore) -> None:
    """Every body renders within the bounds, rendered now and stored, so no lesson page can fail to render."""
    _check_renders(bundle, _bodies(bundle, store.read_bytes), store)


def _check_renders(
    bundle: LibraryBundle, bodies: Iterable[tuple[str, dict[str, str]]], store: ObjectStore | None = None
) -> None:
    """Render every body (and keep the HTML in `store`, if given); one that cannot render is refused by name."""
    try:
        store_rendered(store, bodies)
    except RenderRefused as exc:
        index = exc.index or 0
        raise ManifestError(
            str(exc),
            file=bundle.describe(bundle.manifest.lessons[index].body.sha256),
            field=f"lessons[{index}].body",
        ) from None


def _attachment_rows(entry: LessonEntry) -> list[Attachment]:
    return [
        Attachment(
            position=i,
            name=a.name,
            sha256=a.sha256,
            size=a.size,
            media_type=a.media_type,
            kind=a.kind,
            subtitles_for=a.subtitles_for,
            subtitles_lang=a.lang,
        )
        for i, a in enumerate(entry.attachments)
    ]


def _same(lesson: Lesson, entry: LessonEntry) -> bool:
    current = [(a.name, a.sha256, a.size, a.media_type, a.subtitles_for, a.subtitles_lang) for a in lesson.attachments]
    wanted = [(a.name, a.sha256, a.size, a.media_type, a.subtitles_for, a.lang) for a in entry.attachments]
    return (
        lesson.title,
        lesson.lang,
        lesson.script,
        lesson.subject,
        lesson.grade,
        lesson.tags,
        lesson.body_sha256,
        current,
    ) == (
        entry.title,
        entry.lang,
        entry.script,
        entry.subject,
        entry.grade,
        list(entry.tags),
        entry.body.sha256,
        wanted,
    )


def _apply(lesson: Lesson, entry: LessonEntry) -> None:
    lesson.title, lesson.lang, lesson.script = entry.title, entry.lang, entry.script
    lesson.subject, lesson.grade = entry.subject, entry.grade
    lesson.tags_json = json.dumps(list(entry.tags), ensure_ascii=False)
    lesson.body_sha256 = entry.body.sha256
    lesson.attachments = _attachment_rows(entry)
    lesson.updated_at = utcnow()


def _keep_manifest(bundle: LibraryBundle, store: ObjectStore) -> None:
    """The installed manifest's exact bytes go into the store: the base of the next sync delta and of a USB export."""
    path = bundle.root / MANIFEST_NAME
    raw = path.read_bytes() if path.is_file() else manifest_bytes(bundle.manifest)
    if hashlib.sha256(raw).hexdigest() == bundle.manifest_sha256:
        keep_manifest(store, raw)


def install_bundle(bundle: LibraryBundle, store: ObjectStore, limits: ImportLimits) -> ImportResult:
    """Bring every object into the store, then switch the lesson rows in one transaction."""
    manifest = bundle.manifest
    result = ImportResult(manifest.library_id, manifest.version)
    installed = _check_version(bundle)
    if installed is not None and installed.manifest_sha256 == bundle.manifest_sha256:
        result.unchanged = True
        return result
    _check_id_clashes(bundle)
    _copy_objects(bundle, store, limits)
    _check_bodies(bundle, store)
    zims = check_library_books(manifest, store)
    _keep_manifest(bundle, store)
    with changing_lessons() as changed:
        make_variants(store, ((a.sha256, a.media_type, a.size) for e in manifest.lessons for a in e.attachments))
        existing = {
            lesson.id: lesson
            for lesson in db.session.scalars(select(Lesson).where(Lesson.library_id == manifest.library_id))
        }
        for entry in manifest.lessons:
            lesson = existing.pop(entry.id, None)
            if lesson is None:
                lesson = Lesson(id=entry.id, origin="hub", status="published", library_id=manifest.library_id)
                _apply(lesson, entry)
                db.session.add(lesson)
                result.added.append(entry.id)
            elif not _same(lesson, entry):
                _apply(lesson, entry)
                result.updated.append(entry.id)
        for lesson in existing.values():
            db.session.delete(lesson)
            result.removed.append(lesson.id)
        record_listed(manifest)
        result.books = apply_library_books(manifest, zims)
        if installed is None:
            installed = InstalledLibrary(library_id=manifest.library_id)
            db.session.add(installed)
        installed.title, installed.version = manifest.title, manifest.version
        installed.manifest_sha256, installed.format_version = bundle.manifest_sha256, manifest.written_version()
        installed.installed_at = utcnow()
        changed.update(result.added + result.updated + result.removed)  # the index re-reads these rows
    if result.books:
        books_changed.send(db.engine, book_ids=result.books)
    return result


def import_if_empty(path: Path | None, store: ObjectStore, limits: ImportLimits) -> ImportResult | None:
    """First start: install the starter library when no library is installed yet."""
    if not path or not Path(path).exists() or db.session.scalar(select(InstalledLibrary.library_id).limit(1)):
        return None
    return import_library(Path(path), store, limits)


def check_bundle_renders(bundle: LibraryBundle) -> None:
    """`contentserver build` and `check`: every body of a library not installed here renders within the bounds."""

    def read(sha256: str) -> bytes:
        with bundle.open_object(sha256) as stream:
            return stream.read()

    _check_renders(bundle, _bodies(bundle, read))
