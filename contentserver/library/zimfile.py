"""Reading a ZIM file with libzim: refusing a damaged one, and the facts a book entry keeps about it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from libzim.reader import Archive

from .fields import ManifestError
from .format_books import MAX_METADATA_CHARS, ZIM_METADATA_KEYS, book_lang

# libzim raises RuntimeError for damage it detects and UnicodeDecodeError for names that are not UTF-8: both mean
# "this file is damaged", never a crash of whoever reads it.
DAMAGE = (RuntimeError, UnicodeError)
# Counting articles by walking entries is only done for ZIMs that do not say (old writers): bounded, so a
# huge old ZIM costs a fraction of a second, and a count of "at least this many" is enough for the listing.
WALK_LIMIT = 20_000


@dataclass(frozen=True)
class ZimInfo:
    """What a book entry says about its ZIM."""

    book_id: str
    title: str
    lang: str
    article_count: int
    metadata: dict[str, str]
    main_path: str | None
    has_illustration: bool = False


def open_archive(path: Path, label: str | None = None) -> Archive:
    """libzim's reader over the file, or a ManifestError that says the file is not a usable ZIM."""
    try:
        return Archive(str(path))
    except DAMAGE as exc:
        raise ManifestError(f"is not a readable ZIM file ({exc})".replace("\n", " "), file=label or str(path)) from None


def metadata_text(archive: Archive, key: str) -> str:
    """A metadata value as text; missing or undecodable metadata is empty, never an error."""
    try:
        raw = bytes(archive.get_metadata(key))
    except (*DAMAGE, KeyError):
        return ""
    return raw.decode("utf-8", errors="replace").strip()[:MAX_METADATA_CHARS]


def slug(text: str) -> str:
    """A book id from a ZIM's Name ('wikipedia_en_ray_charles' -> 'wikipedia-en-ray-charles')."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80].strip("-")


def _first_html(archive: Archive, limit: int) -> tuple[int, str | None]:
    """How many HTML entries the first `limit` entries hold, and the first one's path."""
    count, first = 0, None
    for index in range(min(archive.entry_count, limit)):
        entry = archive._get_entry_by_id(index)
        if not entry.is_redirect and entry.get_item().mimetype.startswith("text/html"):
            count += 1
            first = first or entry.path
    return count, first


def inspect(path: Path, label: str, fallback_name: str) -> ZimInfo:
    """Open and check a ZIM (its checksum, when it has one, covers every byte); refuse one with no articles."""
    archive = open_archive(path, label)
    try:
        if archive.has_checksum and not archive.check():
            raise ManifestError(
                "is damaged: its checksum does not match its content (copy it again from the source)", file=label
            )
        count = archive.article_count
        if count == 0:
            count = _first_html(archive, WALK_LIMIT)[0]
        main = main_path(archive)
        has_illustration = bool(archive.has_illustration(48))
    except DAMAGE as exc:
        raise ManifestError(f"is damaged ({exc})".replace("\n", " "), file=label) from None
    if count == 0:
        raise ManifestError("holds no articles (no HTML pages), so it cannot be a book", file=label)
    metadata = {key: value for key in ZIM_METADATA_KEYS if (value := metadata_text(archive, key))}
    book_id = slug(metadata.get("Name", "")) or slug(fallback_name) or "book"
    title = metadata.get("Title") or metadata.get("Name") or fallback_name
    lang = book_lang(metadata.get("Language", ""))
    return ZimInfo(book_id, title[:300], lang, count, metadata, main, has_illustration)


def main_path(archive: Archive) -> str | None:
    """The path of the page a book opens at: the main entry (followed through its redirects: the main page of a
    new-layout ZIM is a redirect outside the content namespace), or else the first article."""
    if archive.has_main_entry:
        entry = archive.main_entry
        for _hop in range(8):  # a loop of redirects is the ZIM's fault; stop rather than spin
            if not entry.is_redirect:
                return entry.path
            entry = entry.get_redirect_entry()
    return _first_html(archive, WALK_LIMIT)[1]
