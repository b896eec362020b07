"""A channel's files in `content/storage/<a>/<b>/<md5>.<ext>`: found only there, and used only once verified.

A drive is outside input: a name from the database may try `..`, a file may be a symlink to anywhere, and a file
may be damaged or swapped. So names are checked before any path is built, no symlink is followed, and every
file is hashed against its md5 name while it is read, before anything of it is kept.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import ChannelError

MD5_RE = re.compile(r"^[0-9a-f]{32}$")
EXTENSION_RE = re.compile(r"^[a-z0-9]{1,10}$")
CHUNK = 1 << 20
# Free space kept after an import's copies: the database, the search index and the logs must still grow.
RESERVE_BYTES = 256 << 20


class MissingFile(ChannelError):
    """A file the channel lists is not on the drive (reported; the resource is not shown half)."""


class NotEnoughSpace(ChannelError):
    status = 507


@dataclass(frozen=True)
class Verified:
    """A storage file whose bytes hash to its md5 name; `sha256` names it in the object store."""

    path: Path
    size: int
    sha256: str


class ChannelStorage:
    """The `content/storage` folder of one export; nothing outside it is ever opened."""

    def __init__(self, export_root: Path):
        self.export_root = Path(export_root)
        self.root = self.export_root / "content" / "storage"
        self._base = str(self.export_root)
        # Folders already seen to be real folders: 20,000 resources share 256 `a/b` folders, so a plan looks at
        # each once instead of five lstat()s a file. Opening a file still refuses a symlink (O_NOFOLLOW), and
        # verification walks afresh.
        self._folders: set[str] = set()

    def relpath(self, checksum: str, extension: str) -> str:
        """`a/b/<md5>.<ext>` for a name that is an md5 and a plain extension; anything else is refused."""
        if not MD5_RE.match(checksum or ""):
            raise ChannelError(f"file name {checksum!r} is not an md5", "content/storage")
        if not EXTENSION_RE.match(extension or ""):
            raise ChannelError(f"file extension {extension!r} is not a plain extension", "content/storage")
        return f"{checksum[0]}/{checksum[1]}/{checksum}.{extension}"

    def locate(self, checksum: str, extension: str, fresh: bool = False) -> tuple[Path, int]:
        """The file's path and size; MissingFile when absent, ChannelError for a symlink or a non-file."""
        rel = self.relpath(checksum, extension)
        where = f"content/storage/{rel}"
        names = ["content", "content/storage", f"content/storage/{rel[:1]}", f"content/storage/{rel[:3]}", where]
        for name in names:
            current = f"{self._base}/{name}"
            last = name is where
            if not last and not fresh and current in self._folders:
                continue
            try:
                info = os.lstat(current)
            except FileNotFoundError:
                raise MissingFile("is missing from the drive", where) from None
            except OSError as exc:
                raise ChannelError(f"cannot be read ({exc.strerror or exc})", where) from None
            if stat.S_ISLNK(info.st_mode):
                raise ChannelError(f"{name} is a symbolic link; not followed", where)
            if not last:
                if not stat.S_ISDIR(info.st_mode):
                    raise ChannelError(f"{name} is not a folder", where)
                self._folders.add(current)
        if not stat.S_ISREG(info.st_mode):
            raise ChannelError("is not a regular file", where)
        return Path(current), info.st_size

    def chunks(self, checksum: str, extension: str) -> Iterator[bytes]:
        """The file's bytes in chunks; a ChannelError at the end unless they hash to the md5 name. A reader keeps
        nothing of them until the iteration has ended."""
        path, _size = self.locate(checksum, extension, fresh=True)
        where = f"content/storage/{self.relpath(checksum, extension)}"
        digest = hashlib.md5(usedforsecurity=False)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)  # a symlink swapped in after locate() is not followed
        except OSError as exc:
            raise ChannelError(f"cannot be read ({exc.strerror or exc})", where) from None
        with os.fdopen(fd, "rb") as stream:
            while True:
                try:  # a stick pulled out mid-read fails here (EIO, ENODEV), not at open
                    chunk = stream.read(CHUNK)
                except OSError as exc:
                    raise ChannelError(
                        f"stopped being readable ({exc.strerror or exc}); was the drive removed?", where
                    ) from None
                if not chunk:
                    break
                digest.update(chunk)
                yield chunk
        if digest.hexdigest() != checksum:
            raise ChannelError(f"content does not match its md5 name (it hashes to {digest.hexdigest()})", where)

    def verify(self, checksum: str, extension: str) -> Verified:
        """Hash the whole file: md5 against its name, sha256 for the object store, in one read."""
        path, _size = self.locate(checksum, extension)
        sha = hashlib.sha256()
        size = 0
        for chunk in self.chunks(checksum, extension):
            sha.update(chunk)
            size += len(chunk)
        return Verified(path, size, sha.hexdigest())


def require_space(needed: int, destination: Path, reserve: int = RESERVE_BYTES) -> None:
    """Refuse before copying anything when the destination's disk cannot take `needed` bytes and the reserve."""
    usage = os.statvfs(destination)
    free = usage.f_bavail * usage.f_frsize
    if needed + reserve > free:
        raise NotEnoughSpace(
            f"the channel's files need {human_size(needed)} and {human_size(reserve)} must stay free, "
            f"but only {human_size(free)} is free; nothing was copied",
            str(destination),
        )


def human_size(count: int) -> str:
    """1536 → `1.5 KiB`: sizes as a person reads them in a refusal or a summary."""
    value = float(count)
    for unit in ("bytes", "KiB", "MiB"):
        if value < 1024:
            return f"{count} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"
