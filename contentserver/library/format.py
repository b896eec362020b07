"""The library format (docs/library-format.md): constants, the manifest's shape, and its validation."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from .fields import ID_RE, MANIFEST_NAME, ManifestError, ObjectRef, choice, object_ref, req, text
from .fields import SHA256_RE as SHA256_RE  # re-exported: the format's names are read from here
from .format_books import BOOKS_SINCE_VERSION, BookEntry, book_to_dict, parse_books
from .format_channels import CHANNELS_SINCE_VERSION, ChannelEntry, channel_to_dict, parse_channels
from .format_renditions import RENDITIONS_SINCE_VERSION as RENDITIONS_SINCE_VERSION
from .format_renditions import RenditionEntry, parse_renditions, rendition_to_dict

FORMAT_NAME = "contentserver-library"
# Version 2 added books. A manifest is written in the lowest version that holds its content, so a library of
# lessons alone keeps its version 1 bytes (and hash) and every version 1 reader still reads it.
# Version 3 added Kolibri channels (issue 17). Version 4 added a video's renditions (issue 22).
FORMAT_VERSION = 4
SUPPORTED_FORMAT_VERSIONS = (1, 2, 3, 4)
MAX_ATTACHMENTS = 100
MAX_TAGS = 30
LANGS = ("kk", "ru", "en")
SCRIPTS = ("Cyrl", "Latn")

# media type -> (kind, file name endings)
MEDIA_TYPES: dict[str, tuple[str, tuple[str, ...]]] = {
    "video/mp4": ("video", (".mp4", ".m4v")),
    "video/webm": ("video", (".webm",)),
    "text/vtt": ("subtitles", (".vtt",)),
    "audio/mpeg": ("audio", (".mp3",)),
    "audio/ogg": ("audio", (".ogg", ".oga", ".opus")),
    "audio/mp4": ("audio", (".m4a",)),
    "application/pdf": ("pdf", (".pdf",)),
    "image/png": ("image", (".png",)),
    "image/jpeg": ("image", (".jpg", ".jpeg")),
    "image/webp": ("image", (".webp",)),
    "image/gif": ("image", (".gif",)),
}

SLUG_RE = re.compile(r"^[a-z][a-z0-9-]{0,39}\Z")
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}\Z")
DEVICE_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


@dataclass(frozen=True)
class AttachmentEntry:
    name: str
    sha256: str
    size: int
    media_type: str
    subtitles_for: str | None = None
    lang: str | None = None
    renditions: tuple[RenditionEntry, ...] = ()  # a video's low copy and poster (format 4)

    @property
    def kind(self) -> str:
        return MEDIA_TYPES[self.media_type][0]

    def rendition(self, kind: str) -> RenditionEntry | None:
        return next((r for r in self.renditions if r.kind == kind), None)

    @property
    def original_optional(self) -> bool:
        """A video whose low copy is another object: a school may show that copy and never fetch this one."""
        low = self.rendition("low")
        return low is not None and low.sha256 != self.sha256


@dataclass(frozen=True)
class LessonEntry:
    id: str
    title: str
    lang: str
    script: str
    subject: str
    grade: int
    tags: tuple[str, ...]
    body: ObjectRef
    attachments: tuple[AttachmentEntry, ...] = ()

    def objects(self) -> list[ObjectRef]:
        return [
            self.body,
            *(ObjectRef(a.sha256, a.size) for a in self.attachments),
            *(ObjectRef(r.sha256, r.size) for a in self.attachments for r in a.renditions),
        ]


@dataclass(frozen=True)
class Manifest:
    library_id: str
    title: str
    version: int
    created: str
    lessons: tuple[LessonEntry, ...] = field(default_factory=tuple)
    format_version: int = FORMAT_VERSION
    books: tuple[BookEntry, ...] = field(default_factory=tuple)
    channels: tuple[ChannelEntry, ...] = field(default_factory=tuple)

    def objects(self) -> dict[str, int]:
        """Every object the library needs: sha256 -> size."""
        needed = {ref.sha256: ref.size for lesson in self.lessons for ref in lesson.objects()}
        needed.update((book.zim.sha256, book.zim.size) for book in self.books)
        needed.update((ref.sha256, ref.size) for channel in self.channels for ref in channel.objects())
        return needed

    def optional_originals(self) -> dict[str, int]:
        """Videos' originals a school may leave on the hub (their low copy is listed beside them): sha256 -> size.
        An object the library also needs some other way (another lesson's video without a copy…) is not one."""
        optional = {a.sha256: a.size for lesson in self.lessons for a in lesson.attachments if a.original_optional}
        if not optional:
            return {}
        needed = {book.zim.sha256 for book in self.books}
        needed.update(ref.sha256 for channel in self.channels for ref in channel.objects())
        for lesson in self.lessons:
            needed.add(lesson.body.sha256)
            needed.update(a.sha256 for a in lesson.attachments if not a.original_optional)
            needed.update(r.sha256 for a in lesson.attachments for r in a.renditions)
        return {sha: size for sha, size in optional.items() if sha not in needed}

    def wanted_objects(self, originals: bool) -> dict[str, int]:
        """What a box keeps of this library: every object, or (`originals` off) all but optional_originals."""
        objects = self.objects()
        if originals:
            return objects
        optional = self.optional_originals()
        return {sha: size for sha, size in objects.items() if sha not in optional}

    def written_version(self) -> int:
        """The lowest format version that holds this content: what manifest_bytes writes.

        A new kind of entry (Kolibri channels…) adds its own field, its `*_SINCE_VERSION` and a line here."""
        if any(a.renditions for lesson in self.lessons for a in lesson.attachments):
            return RENDITIONS_SINCE_VERSION
        if self.channels:
            return CHANNELS_SINCE_VERSION
        return BOOKS_SINCE_VERSION if self.books else 1


def object_relpath(sha256: str) -> str:
    """Where an object lives inside a library folder or the object store."""
    return f"objects/{sha256[:2]}/{sha256[2:]}"


def is_safe_name(name: str) -> bool:
    """A file name that is the same on ext4 and FAT32 and can never leave its folder."""
    if not isinstance(name, str) or not NAME_RE.match(name) or ".." in name or name.endswith("."):
        return False
    return name.split(".")[0].lower() not in DEVICE_NAMES


def _attachment(obj: Any, where: str, version: int) -> AttachmentEntry:
    ref = object_ref(obj, where)
    name = req(obj, "name", str, where)
    if not is_safe_name(name):
        raise ManifestError(
            f"{name!r} is not a safe file name (letters, digits, . _ -; no paths)", field=f"{where}name"
        )
    media_type = choice(obj, "type", where, tuple(MEDIA_TYPES))
    if not name.lower().endswith(MEDIA_TYPES[media_type][1]):
        raise ManifestError(f"{name!r} does not end in a name fitting {media_type}", field=f"{where}name")
    subtitles_for = obj.get("subtitles_for")
    lang = obj.get("lang")
    if media_type == "text/vtt":
        if not isinstance(subtitles_for, str) or not is_safe_name(subtitles_for):
            raise ManifestError("subtitles must name the video they belong to", field=f"{where}subtitles_for")
        lang = choice(obj, "lang", where, LANGS)
    elif subtitles_for is not None:
        raise ManifestError("only subtitles (text/vtt) may have subtitles_for", field=f"{where}subtitles_for")
    renditions = parse_renditions(obj, where, version, MEDIA_TYPES[media_type][0], ref.sha256)
    return AttachmentEntry(name, ref.sha256, ref.size, media_type, subtitles_for, lang, renditions)


def _lesson(obj: Any, where: str, version: int) -> LessonEntry:
    if not isinstance(obj, dict):
        raise ManifestError("must be an object", field=where.rstrip("."))
    lesson_id = req(obj, "id", str, where)
    if not ID_RE.match(lesson_id):
        raise ManifestError(f"{lesson_id!r} must be lowercase letters, digits and '-' (at most 80)", field=f"{where}id")
    subject = req(obj, "subject", str, where)
    if not SLUG_RE.match(subject):
        raise ManifestError(f"{subject!r} must be a lowercase word", field=f"{where}subject")
    grade = req(obj, "grade", int, where)
    if not 1 <= grade <= 12:
        raise ManifestError("must be from 1 to 12", field=f"{where}grade")
    tags = obj.get("tags", [])
    if (
        not isinstance(tags, list)
        or len(tags) > MAX_TAGS
        or not all(isinstance(t, str) and 0 < len(t) <= 60 for t in tags)
    ):
        raise ManifestError(f"must be a list of at most {MAX_TAGS} short strings", field=f"{where}tags")
    raw_attachments = obj.get("attachments", [])
    if not isinstance(raw_attachments, list) or len(raw_attachments) > MAX_ATTACHMENTS:
        raise ManifestError(f"must be a list of at most {MAX_ATTACHMENTS}", field=f"{where}attachments")
    attachments = tuple(_attachment(a, f"{where}attachments[{i}].", version) for i, a in enumerate(raw_attachments))
    names = [a.name for a in attachments]
    if len(set(n.lower() for n in names)) != len(names):
        raise ManifestError("two attachments share a name", field=f"{where}attachments")
    for i, a in enumerate(attachments):
        if a.subtitles_for is not None and a.subtitles_for not in names:
            raise ManifestError(
                f"names {a.subtitles_for!r}, which is not an attachment", field=f"{where}attachments[{i}].subtitles_for"
            )
    return LessonEntry(
        id=lesson_id,
        title=text(obj, "title", where, 300),
        lang=choice(obj, "lang", where, LANGS),
        script=choice(obj, "script", where, SCRIPTS),
        subject=subject,
        grade=grade,
        tags=tuple(t.strip() for t in tags),
        body=object_ref(obj.get("body"), f"{where}body."),
        attachments=attachments,
    )


def _created(data: dict) -> str:
    value = req(data, "created", str, "")
    try:
        offset = datetime.fromisoformat(value).utcoffset()
    except ValueError:
        offset = None
    if offset != timedelta(0):
        raise ManifestError("must be an ISO 8601 UTC time such as 2026-11-25T00:00:00Z", field="created")
    return value


def validate_manifest(data: Any, max_lessons: int) -> Manifest:
    """Check a decoded manifest against the format, field by field."""
    if not isinstance(data, dict):
        raise ManifestError("the manifest must be a JSON object")
    if data.get("format") != FORMAT_NAME:
        raise ManifestError(f"must be {FORMAT_NAME!r}", field="format")
    version = req(data, "format_version", int, "")
    if version not in SUPPORTED_FORMAT_VERSIONS:
        raise ManifestError(
            f"this library is in format version {version}; this contentserver reads version "
            f"{', '.join(map(str, SUPPORTED_FORMAT_VERSIONS))} — "
            + ("upgrade contentserver to import it" if version > FORMAT_VERSION else "rebuild the library"),
            field="format_version",
        )
    library_id = req(data, "library_id", str, "")
    if not ID_RE.match(library_id):
        raise ManifestError("must be lowercase letters, digits and '-'", field="library_id")
    library_version = req(data, "version", int, "")
    if library_version < 1:
        raise ManifestError("must be 1 or more", field="version")
    lessons = req(data, "lessons", list, "")
    if len(lessons) > max_lessons:
        raise ManifestError(f"lists {len(lessons)} lessons; at most {max_lessons} are accepted", field="lessons")
    entries = tuple(_lesson(obj, f"lessons[{i}].", version) for i, obj in enumerate(lessons))
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        if entry.id in seen:
            raise ManifestError(f"lesson id {entry.id!r} appears twice", field=f"lessons[{i}].id")
        seen.add(entry.id)
    title = data.get("title", library_id)
    if not isinstance(title, str):
        raise ManifestError("must be text", field="title")
    return Manifest(
        library_id=library_id,
        title=title[:200],
        version=library_version,
        created=_created(data),
        lessons=entries,
        format_version=version,
        books=parse_books(data, version),
        channels=parse_channels(data, version),
    )


def parse_manifest(raw: bytes, max_lessons: int, file: str = MANIFEST_NAME) -> Manifest:
    """Decode manifest bytes (strict UTF-8 JSON, bounded depth) and validate them."""
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ManifestError(f"is not valid UTF-8 (byte {exc.start})", file=file) from None
    try:
        data = json.loads(decoded)
    except RecursionError:
        raise ManifestError("is nested too deeply", file=file) from None
    except json.JSONDecodeError as exc:
        raise ManifestError(
            f"is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}", file=file
        ) from None
    return validate_manifest(data, max_lessons)


def parse_lesson(obj: Any, where: str = "", version: int = FORMAT_VERSION) -> LessonEntry:
    """One lesson entry checked exactly as in a manifest (a push sends lessons one by one, docs/push.md)."""
    return _lesson(obj, where, version)


def lesson_to_dict(lesson: LessonEntry) -> dict[str, Any]:
    """One lesson entry as the manifest's JSON object (inverse of parse_lesson)."""

    def attachment(a: AttachmentEntry) -> dict[str, Any]:
        out: dict[str, Any] = {"name": a.name, "sha256": a.sha256, "size": a.size, "type": a.media_type}
        if a.subtitles_for:
            out.update(subtitles_for=a.subtitles_for, lang=a.lang)
        if a.renditions:
            out["renditions"] = [rendition_to_dict(r) for r in a.renditions]
        return out

    return {
        "id": lesson.id,
        "title": lesson.title,
        "lang": lesson.lang,
        "script": lesson.script,
        "subject": lesson.subject,
        "grade": lesson.grade,
        "tags": list(lesson.tags),
        "body": {"sha256": lesson.body.sha256, "size": lesson.body.size},
        "attachments": [attachment(a) for a in lesson.attachments],
    }


def manifest_to_dict(manifest: Manifest) -> dict[str, Any]:
    """The manifest as the JSON object the format describes (inverse of validate_manifest)."""
    out: dict[str, Any] = {
        "format": FORMAT_NAME,
        "format_version": manifest.written_version(),
        "library_id": manifest.library_id,
        "title": manifest.title,
        "version": manifest.version,
        "created": manifest.created,
        "lessons": [lesson_to_dict(lesson) for lesson in manifest.lessons],
    }
    if manifest.books:
        out["books"] = [book_to_dict(book) for book in manifest.books]
    if manifest.channels:
        out["channels"] = [channel_to_dict(channel) for channel in manifest.channels]
    return out


def manifest_bytes(manifest: Manifest) -> bytes:
    """Canonical, deterministic bytes of a manifest (sorted keys, UTF-8, no spaces)."""
    return json.dumps(manifest_to_dict(manifest), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
        "utf-8"
    )
