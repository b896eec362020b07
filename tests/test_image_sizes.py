"""Lesson images carry width and height read from their header bytes, and load lazily."""
from __future__ import annotations

import io
import re
import struct

import pytest

from conftest import import_into, lesson_spec, png_bytes
from contentserver.imagesize import add_sizes, read_size

SHA = "ab" * 32


def jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + b"\xff\xff" + sof0 + b"\xff\xd9"


def webp(chunk: bytes, payload: bytes) -> bytes:
    return b"RIFF" + struct.pack("<I", 4 + 8 + len(payload)) + b"WEBP" + chunk + struct.pack("<I", len(payload)) + payload


@pytest.mark.parametrize(("data", "size"), [
    (png_bytes(37, 21), (37, 21)),
    (b"GIF89a" + struct.pack("<HH", 320, 200) + b"\0" * 30, (320, 200)),
    (jpeg(1024, 768), (1024, 768)),
    (webp(b"VP8X", b"\0" * 4 + (799).to_bytes(3, "little") + (599).to_bytes(3, "little")), (800, 600)),
    (webp(b"VP8L", b"\x2f" + struct.pack("<I", (640 - 1) | ((480 - 1) << 14)) + b"\0" * 8), (640, 480)),
    (webp(b"VP8 ", b"\0\0\0\x9d\x01\x2a" + struct.pack("<HH", 300, 150) + b"\0" * 4), (300, 150)),
])
def test_size_is_read_from_the_header_of_each_image_type(data, size):
    assert read_size(io.BytesIO(data)) == size


@pytest.mark.parametrize("data", [b"", b"%PDF-1.4", b"\xff\xd8\xff\xe0\x00", png_bytes()[:20], b"RIFF\0\0\0\0WEBPVP8Z"])
def test_unknown_or_damaged_headers_give_no_size(data):
    assert read_size(io.BytesIO(data)) is None


def test_sizes_go_only_to_images_without_one():
    html = f'<p><img alt="a" src="/objects/{SHA}" loading="lazy"><img width="5" src="/objects/{SHA}"></p>'
    assert add_sizes(html, {SHA: (40, 30)}) == (
        f'<p><img width="40" height="30" alt="a" src="/objects/{SHA}" loading="lazy"><img width="5" src="/objects/{SHA}"></p>')


def test_lesson_images_have_width_height_and_lazy_loading(app, make_library):
    body = "# Shapes\n\n![A red square](square.png)\n"
    lesson = lesson_spec("shapes", body=body, attachments={"square.png": png_bytes(64, 48), "extra.png": png_bytes(8, 6)})
    import_into(app, make_library([lesson]))
    page = app.test_client().get("/lessons/shapes").text
    images = re.findall(r"<img [^>]*>", page)
    assert len(images) == 2
    assert 'width="64" height="48"' in images[0] and 'alt="A red square"' in images[0]
    assert 'width="8" height="6"' in images[1]
    assert all('loading="lazy"' in img for img in images)
