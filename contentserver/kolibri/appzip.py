"""An html5 app (and a Perseus exercise) is a zip served member by member from the store, never unpacked to disk.

The zip comes from a drive, so before a member is served the whole archive is checked: no entry may climb out
(`../`, an absolute or drive path), none may be a symlink or encrypted, and the sizes it declares are capped in
count, total, per member and ratio (a zip bomb is a few KiB that inflate to gigabytes). Reading a member stops at
its declared size, so a lie in the header costs nothing more than the cap.
"""

from __future__ import annotations

import re
import stat
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .errors import ChannelError

MAX_ENTRIES = 50_000  # a PhET simulation has a few dozen; a scraped website app a few thousand
MAX_UNPACKED_BYTES = 2 << 30
MAX_MEMBER_BYTES = 512 << 20
MAX_RATIO = 200  # deflate reaches ~10:1 on text and markup; runs of zeros reach 1000:1
RATIO_FLOOR = 1 << 20  # a small member cannot hurt whatever its ratio
MAX_SERVED_BYTES = 64 << 20  # what one read_member() holds in memory
EOCD = b"PK\x05\x06"
DRIVE_RE = re.compile(r"^[A-Za-z]:")
MEDIA_TYPES = {
    "html": "text/html",
    "htm": "text/html",
    "xhtml": "application/xhtml+xml",
    "js": "text/javascript",
    "mjs": "text/javascript",
    "css": "text/css",
    "json": "application/json",
    "xml": "application/xml",
    "txt": "text/plain",
    "svg": "image/svg+xml",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "ico": "image/x-icon",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "wav": "audio/wav",
    "mp4": "video/mp4",
    "webm": "video/webm",
    "vtt": "text/vtt",
    "pdf": "application/pdf",
    "woff": "font/woff",
    "woff2": "font/woff2",
    "ttf": "font/ttf",
    "otf": "font/otf",
    "wasm": "application/wasm",
}


class MemberNotFound(ChannelError):
    status = 404


@dataclass(frozen=True)
class AppZip:
    """A checked zip: how many entries, how many bytes unpacked, and whether it has the app's index.html."""

    path: Path
    entries: int
    unpacked: int
    has_index: bool


def media_type(name: str) -> str:
    extension = name.rsplit(".", 1)[-1].lower() if "." in name.rsplit("/", 1)[-1] else ""
    return MEDIA_TYPES.get(extension, "application/octet-stream")


def name_problem(name: str) -> str | None:
    """Why an entry or requested name is unsafe, or None."""
    if "\x00" in name:
        return "has a NUL byte in its name"
    plain = name.replace("\\", "/")
    if plain.startswith("/") or DRIVE_RE.match(plain):
        return "is an absolute path"
    if ".." in plain.split("/"):
        return "climbs out of the archive with ../"
    return None


def _declared_entries(path: Path, where: str) -> int | None:
    """The entry count from the end-of-archive record, read before Python parses every entry into memory."""
    try:
        with open(path, "rb") as stream:
            stream.seek(0, 2)
            size = stream.tell()
            stream.seek(max(0, size - (1 << 16) - 22))
            tail = stream.read()
    except OSError as exc:
        raise ChannelError(f"cannot be read ({exc.strerror or exc})", where) from None
    at = tail.rfind(EOCD)
    if at < 0 or len(tail) < at + 22:
        raise ChannelError("is not a zip archive", where)
    (count,) = struct.unpack("<H", tail[at + 10 : at + 12])
    return None if count == 0xFFFF else count  # 0xFFFF: a zip64 archive keeps the count elsewhere


def check_zip(path: Path, where: str = "") -> AppZip:
    """Check every entry of the zip at `path`; a ChannelError naming the entry and the reason on the first fault."""
    where = where or str(path)
    declared = _declared_entries(path, where)
    if declared is not None and declared > MAX_ENTRIES:
        raise ChannelError(f"has {declared} entries; at most {MAX_ENTRIES} are accepted", where)
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise ChannelError(f"is not a readable zip archive ({exc})", where) from None
    if len(infos) > MAX_ENTRIES:
        raise ChannelError(f"has {len(infos)} entries; at most {MAX_ENTRIES} are accepted", where)
    total = 0
    for info in infos:
        entry = f"entry {info.filename[:200]!r}"
        problem = name_problem(info.filename)
        if problem:
            raise ChannelError(f"{entry} {problem}", where)
        if stat.S_ISLNK(info.external_attr >> 16):
            raise ChannelError(f"{entry} is a symbolic link", where)
        if info.flag_bits & 0x1:
            raise ChannelError(f"{entry} is encrypted", where)
        if info.file_size > MAX_MEMBER_BYTES:
            raise ChannelError(f"{entry} unpacks to {info.file_size} bytes; at most {MAX_MEMBER_BYTES} a file", where)
        if info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            ratio = info.file_size // max(info.compress_size, 1)
            raise ChannelError(f"{entry} is compressed {ratio}:1, beyond {MAX_RATIO}:1: a zip bomb", where)
        total += info.file_size
        if total > MAX_UNPACKED_BYTES:
            raise ChannelError(f"unpacks to more than {MAX_UNPACKED_BYTES} bytes: a zip bomb", where)
    names = {info.filename for info in infos}
    return AppZip(Path(path), len(infos), total, "index.html" in names)


def member_name(requested: str) -> str:
    """The entry a URL path asks for (`` and `/` are the app's index.html); unsafe names are refused."""
    name = requested.lstrip("/") or "index.html"
    if name.endswith("/"):
        name += "index.html"
    problem = name_problem(name)
    if problem or "\\" in name:
        raise MemberNotFound(f"{name[:200]!r} {problem or 'has a backslash'}", "app")
    return name


def read_member(path: Path, requested: str, max_bytes: int = MAX_SERVED_BYTES) -> tuple[bytes, str]:
    """One member of a checked zip, by the path a page asked for, with its media type; nothing goes to disk."""
    name = member_name(requested)
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                info = archive.getinfo(name)
            except KeyError:
                raise MemberNotFound(f"has no {name[:200]!r}", str(path)) from None
            if info.is_dir():
                raise MemberNotFound(f"{name[:200]!r} is a folder", str(path))
            if info.file_size > max_bytes:
                raise ChannelError(
                    f"{name[:200]!r} is {info.file_size} bytes; at most {max_bytes} are served", str(path)
                )
            with archive.open(info) as stream:
                data = stream.read(max_bytes + 1)  # zipfile stops at the declared size and checks the CRC
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, ValueError) as exc:
        raise ChannelError(f"{name[:200]!r} cannot be read ({exc})", str(path)) from None
    return data, media_type(name)
