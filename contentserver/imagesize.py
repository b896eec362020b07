"""Lesson images as shown: the smaller copy of a big one, with width and height so pages do not jump on slow Wi-Fi.

Sizes come from the file header: PNG, GIF, WebP and JPEG (the image types a library may hold) are read with the
standard library, a few header bytes, never the pixels; objects are immutable, so a size read is cached for good.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

from .library.objects import ObjectStore
from .library.variants import variants_of

Size = tuple[int, int]
IMG_TAG = re.compile(r'<img\s[^>]*?src="/objects/([0-9a-f]{64})"[^>]*>')
IMG_WIDTH = re.compile(r"\swidth=")
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
def object_size(path: Path) -> Size | None:
    try:
        with open(path, "rb") as stream:
            size = read_size(stream)
    except OSError:
        return None
    return size if size and all(0 < n < 100_000 for n in size) else None


@dataclass(frozen=True)
class ShownImage:
    """How a lesson shows an image: the object to load (its smaller copy when there is one) and its size."""

    sha256: str
    width: int
    height: int


def shown_images(attachments: Iterable, store: ObjectStore) -> dict[str, ShownImage]:
    """Original sha256 → what to show, for every image attachment whose size is known."""
    images = [a for a in attachments if a.kind == "image"]
    variants = variants_of(a.sha256 for a in images)
    shown = {}
    for image in images:
        variant = variants.get(image.sha256)
        if variant is not None:
            shown[image.sha256] = ShownImage(variant.variant_sha256, variant.width, variant.height)
        elif size := object_size(store.path(image.sha256)):
            shown[image.sha256] = ShownImage(image.sha256, *size)
    return shown


def show_images(html: str, shown: Mapping[str, ShownImage]) -> str:
    """Every <img> of a known object loads what `shown` says, with its width and height unless the author set them."""

    def fix(match: re.Match) -> str:
        tag, image = match.group(0), shown.get(match.group(1))
        if image is None:
            return tag
        tag = tag.replace(f'src="/objects/{match.group(1)}"', f'src="/objects/{image.sha256}"')
        if not IMG_WIDTH.search(tag):
            tag = f'<img width="{image.width}" height="{image.height}"' + tag[len("<img") :]
        return tag

    return IMG_TAG.sub(fix, html)
