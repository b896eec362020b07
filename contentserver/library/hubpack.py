"""Packs (hub format 3): many small objects in one compressed transfer, Cyrillic text at one byte a letter."""

from __future__ import annotations

import gzip
import io
import zlib
from collections.abc import Callable, Iterator
from typing import BinaryIO, cast

from .format import Manifest, ManifestError
from .hubformat import GZIP_LEVEL

PACK_OBJECT_MAX = 256 * 1024  # objects up to this size travel in packs; bigger ones alone, in ranges
TEXT_CODEC = "kz1048"  # Kazakh/Russian Cyrillic in one byte a letter: 2 UTF-8 bytes become 1 before deflate
RECORD_LINE_MAX = 160


def pack_members(manifest: Manifest, base: Manifest | None = None) -> dict[str, int]:
    """What a pack holds by definition: the small objects of `manifest` that `base` did not have."""
    old = base.objects() if base else {}
    return {sha: size for sha, size in manifest.objects().items() if size <= PACK_OBJECT_MAX and sha not in old}


def _transcoded(data: bytes) -> bytes | None:
    """The object in TEXT_CODEC if it is UTF-8 text with letters outside ASCII that round-trip exactly, else None."""
    if data.isascii():
        return None
    try:
        text = data.decode("utf-8")
        coded = text.encode(TEXT_CODEC)
    except UnicodeError:
        return None
    return coded if coded.decode(TEXT_CODEC).encode("utf-8") == data else None


def record(sha: str, data: bytes) -> bytes:
    """One pack record: `<sha256> <size>\\n<bytes>`, or `<sha256> <size> kz1048 <n>\\n<n bytes in kz1048>`."""
    coded = _transcoded(data)
    if coded is None:
        return f"{sha} {len(data)}\n".encode() + data
    return f"{sha} {len(data)} {TEXT_CODEC} {len(coded)}\n".encode() + coded


def pack_records(members: dict[str, int], read_object: Callable[[str], bytes]) -> Iterator[bytes]:
    for sha in members:
        yield record(sha, read_object(sha))


def write_pack(members: dict[str, int], read_object: Callable[[str], bytes], out: BinaryIO) -> int:
    """Write a pack: one gzip stream of records; returns the raw byte count of the objects in it."""
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=GZIP_LEVEL, mtime=0) as stream:
        for data in pack_records(members, read_object):
            stream.write(data)
    return sum(members.values())


class _Limited(io.RawIOBase):
    """A read-only window of exactly `size` bytes of a stream."""

    def __init__(self, stream: BinaryIO, size: int):
        self.stream, self.left = stream, size

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        data = self.stream.read(n) if n else b""
        self.left -= len(data)
        return data


def _text_object(records: BinaryIO, size: int, coded_size: int) -> BinaryIO:
    """A transcoded record's object: `coded_size` bytes of TEXT_CODEC that must make exactly `size` UTF-8 bytes."""
    if coded_size > size:
        raise ValueError("transcoded record longer than its object")
    coded = records.read(coded_size)
    if len(coded) != coded_size:
        raise EOFError("record cut short")
    data = coded.decode(TEXT_CODEC).encode("utf-8")
    if len(data) != size:
        raise ValueError("transcoded record of another size")
    return io.BytesIO(data)


def read_records(records: BinaryIO, expected: dict[str, int], file: str) -> Iterator[tuple[str, int, BinaryIO]]:
    """Yield (sha256, size, exact-size stream) per record; a record not in `expected`, or twice, is refused."""
    seen: set[str] = set()
    try:
        while line := records.readline(RECORD_LINE_MAX):
            parts = line.decode("ascii").rstrip("\n").split(" ")
            sha, size = parts[0], int(parts[1])
            if (
                expected.get(sha) != size
                or sha in seen
                or len(parts) not in (2, 4)
                or (len(parts) == 4 and parts[2] != TEXT_CODEC)
            ):
                raise ManifestError(f"holds object {sha[:16]}… of {size} bytes that it should not", file=file)
            seen.add(sha)
            if len(parts) == 2:  # (typeshed's io classes are no typing.BinaryIO, though they read as one)
                window = cast(BinaryIO, _Limited(records, size))
            else:
                window = _text_object(records, size, int(parts[3]))
            yield sha, size, window
            while window.read(65536):
                pass
    except (UnicodeError, ValueError, IndexError, EOFError, OSError, zlib.error) as exc:
        raise ManifestError(f"is not a valid pack ({exc.__class__.__name__})", file=file) from None


def read_pack(stream: BinaryIO, expected: dict[str, int], file: str) -> Iterator[tuple[str, int, BinaryIO]]:
    """The records of a gzipped pack file (see read_records)."""
    with gzip.GzipFile(fileobj=stream, mode="rb") as unpacked:
        yield from read_records(cast(BinaryIO, unpacked), expected, file)  # (as above)
