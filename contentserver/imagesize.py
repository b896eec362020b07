"""Image width and height from the file header, so lesson pages reserve the space and do not jump on slow Wi-Fi.

Objects are immutable (named by their hash), so a size once read is cached for good. PNG, GIF, WebP and JPEG
(the image types a library may hold) are read with the standard library: a few header bytes, never the pixels.
"""
from __future__ import annotations

import re
import struct
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, Iterable, Mapping

from .library.objects import ObjectStore

Size = tuple[int, int]
IMG_WITHOUT_SIZE = re.compile(r'<img(?![^>]*\swidth=)\s([^>]*?)src="/objects/([0-9a-f]{64})"')
JPEG_SOF = set(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _jpeg(stream: BinaryIO) -> Size | None:
    stream.seek(2)
    while True:
        byte = stream.read(1)
        while byte == b"\xff":
            byte = stream.read(1)
        if not byte:
            return None
        marker = byte[0]
        if marker in (0x01, *range(0xD0, 0xDA)):
            continue
        (length,) = struct.unpack(">H", stream.read(2) or b"\0\0")
        if marker in JPEG_SOF:
            _precision, height, width = struct.unpack(">BHH", stream.read(5))
            return width, height
        if length < 2:
            return None
        stream.seek(length - 2, 1)
        if stream.read(1) != b"\xff":
            return None


def _webp(head: bytes) -> Size | None:
    chunk = head[12:16]
    if chunk == b"VP8 " and len(head) >= 30:
        width, height = struct.unpack("<HH", head[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(head) >= 25:
        b0, b1, b2, b3 = head[21:25]
        return 1 + (((b1 & 0x3F) << 8) | b0), 1 + (((b3 & 0x0F) << 10) | (b2 << 2) | ((b1 & 0xC0) >> 6))
    if chunk == b"VP8X" and len(head) >= 30:
        return 1 + int.from_bytes(head[24:27], "little"), 1 + int.from_bytes(head[27:30], "little")
    return None


def read_size(stream: BinaryIO) -> Size | None:
    """(width, height) of a PNG, GIF, WebP or JPEG image; None for anything else or a damaged header."""
    head = stream.read(32)
    try:
        if head.startswith(b"\x89PNG\r\n\x1a\n") and head[12:16] == b"IHDR":
            return struct.unpack(">II", head[16:24])
        if head[:6] in (b"GIF87a", b"GIF89a"):
            return struct.unpack("<HH", head[6:10])
        if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
            return _webp(head)
        if head[:2] == b"\xff\xd8":
            return _jpeg(stream)
    except struct.error:
        return None
    return None


@lru_cache(maxsize=4096)
def _object_size(path: Path) -> Size | None:
    try:
        with open(path, "rb") as stream:
            size = read_size(stream)
    except OSError:
        return None
    return size if size and all(0 < n < 100_000 for n in size) else None


def image_sizes(attachments: Iterable, store: ObjectStore) -> dict[str, Size]:
    """sha256 → (width, height) of every image attachment whose header could be read."""
    sizes = {}
    for attachment in attachments:
        if attachment.kind == "image":
            size = _object_size(store.path(attachment.sha256))
            if size:
                sizes[attachment.sha256] = size
    return sizes


def add_sizes(html: str, sizes: Mapping[str, Size]) -> str:
    """Give every <img> of a known object its width and height (images the author sized keep theirs)."""
    def sized(match: re.Match) -> str:
        size = sizes.get(match.group(2))
        if size is None:
            return match.group(0)
        return f'<img width="{size[0]}" height="{size[1]}" {match.group(1)}src="/objects/{match.group(2)}"'
    return IMG_WITHOUT_SIZE.sub(sized, html)
