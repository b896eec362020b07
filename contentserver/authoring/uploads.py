"""Uploads: written once into staging while hashed, typed by their bytes, size- and disk-checked, renamed into place."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import tempfile
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext as _

from ..errors import InsufficientStorage, PayloadTooLarge, Unprocessable
from ..library.format import MEDIA_TYPES
from ..library.objects import ObjectStore
from .names import clean_file_name
from .references import upload_label
from .sniff import HEAD_BYTES, sniff_media_type

LIMIT_SETTINGS = {
    "video": "UPLOAD_MAX_VIDEO_BYTES",
    "audio": "UPLOAD_MAX_AUDIO_BYTES",
    "pdf": "UPLOAD_MAX_PDF_BYTES",
    "image": "UPLOAD_MAX_IMAGE_BYTES",
    "subtitles": "UPLOAD_MAX_SUBTITLES_BYTES",
}


def size_text(size: int) -> str:
    """A size as people read it: KB below one megabyte, MB (one decimal) above."""
    if size < 2**20:
        return _("%(num)s KB", num=-(-size // 1024))
    return _("%(num)s MB", num=round(size / 2**20, 1))


def limits_text(config: Mapping) -> str:
    """The upload limits as the file field states them."""
    sizes = {kind: size_text(config[setting]) for kind, setting in LIMIT_SETTINGS.items()}
    return _(
        "At most: video %(video)s, audio %(audio)s, PDF %(pdf)s, picture %(image)s, subtitles %(subtitles)s.",
        **sizes,
    )


def disk_full() -> InsufficientStorage:
    return InsufficientStorage(
        _(
            "The server's disk is too full to take this file. Nothing was saved. "
            "Ask the administrator to free some space."
        )
    )


def check_free_space(folder: Path, incoming: int, reserve: int) -> None:
    """Refuse, before writing anything, a file that would leave less than `reserve` bytes free."""
    if shutil.disk_usage(folder).free - incoming < reserve:
        raise disk_full()


class SpoolFile:
    """A temporary file in staging, hashed as it is written: the one copy of an upload, renamed into the store.

    Deleted when closed or garbage-collected unless stored; a process killed mid-upload leaves it for gc.
    """

    def __init__(self, staging: Path):
        fd, name = tempfile.mkstemp(dir=staging, prefix="upload-", suffix=".tmp")
        self.path = Path(name)
        self._file = os.fdopen(fd, "w+b")
        self._digest = hashlib.sha256()
        self.size = 0
        self._discard = weakref.finalize(self, _discard, self._file, self.path)

    def write(self, data: bytes) -> int:
        try:
            written = self._file.write(data)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                self.close()
                raise disk_full() from None
            raise
        self._digest.update(data)
        self.size += len(data)
        return written

    def sha256(self) -> str:
        return self._digest.hexdigest()

    def read(self, size: int = -1) -> bytes:
        return self._file.read(size)

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def flush(self) -> None:
        self._file.flush()

    def store(self, objects: ObjectStore) -> None:
        """Make the written bytes durable and rename the file into the store under the hash taken as they came."""
        self._file.flush()
        os.fsync(self._file.fileno())
        objects.adopt(self.path, self.sha256())
        self._discard.detach()
        self._file.close()

    def close(self) -> None:
        self._discard()

    @property
    def closed(self) -> bool:
        return self._file.closed


def _discard(file: BinaryIO, path: Path) -> None:
    file.close()
    path.unlink(missing_ok=True)


@dataclass(frozen=True)
class StoredFile:
    name: str
    sha256: str
    size: int
    media_type: str
    label: str = ""  # the name it was uploaded with (references.upload_label)

    @property
    def kind(self) -> str:
        return MEDIA_TYPES[self.media_type][0]


def store_upload(spool: SpoolFile, raw_name: str, objects: ObjectStore, config: Mapping) -> StoredFile:
    """Check a spooled upload (type from its bytes, size for that type, free disk) and put it in the store."""
    spool.seek(0)
    media_type = sniff_media_type(spool.read(HEAD_BYTES))
    if media_type is None:
        raise Unprocessable(
            _(
                "This kind of file is not accepted. Upload a video (MP4, WebM), audio (MP3, OGG, "
                "M4A), a PDF, an image (PNG, JPEG, WebP, GIF) or subtitles (WebVTT)."
            )
        )
    kind = MEDIA_TYPES[media_type][0]
    limit = config[LIMIT_SETTINGS[kind]]
    if spool.size > limit:
        raise PayloadTooLarge(
            _(
                "This file is %(size)s; files of this kind may be at most %(limit)s.",
                size=size_text(spool.size),
                limit=size_text(limit),
            )
        )
    if kind == "subtitles":
        spool.seek(0)
        try:
            spool.read().decode("utf-8")
        except UnicodeDecodeError:
            raise Unprocessable(_("Subtitles must be a WebVTT file in UTF-8.")) from None
    if not objects.has(sha256 := spool.sha256()):
        check_free_space(objects.staging, 0, config["DISK_RESERVE_BYTES"])  # a chunked upload's size came late
        try:
            spool.store(objects)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise disk_full() from None
            raise
    name = clean_file_name(raw_name, media_type)
    return StoredFile(name, sha256, spool.size, media_type, upload_label(raw_name, name))
