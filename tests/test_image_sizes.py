"""Lesson images: width and height read from their header bytes, lazy loading, smaller copies of big ones."""

from __future__ import annotations

import hashlib
import io
import re
import struct

import pytest
from conftest import import_into, lesson_spec, png_bytes

from contentserver.imagesize import ShownImage, read_size, show_images

SHA = "ab" * 32


def jpeg(width: int, height: int) -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + b"\xff\xff" + sof0 + b"\xff\xd9"


def webp(chunk: bytes, payload: bytes) -> bytes:
    return (
        b"RIFF" + struct.pack("<I", 4 + 8 + len(payload)) + b"WEBP" + chunk + struct.pack("<I", len(payload)) + payload
    )


@pytest.mark.parametrize(
    ("data", "size"),
    [
        (png_bytes(37, 21), (37, 21)),
        (b"GIF89a" + struct.pack("<HH", 320, 200) + b"\0" * 30, (320, 200)),
        (jpeg(1024, 768), (1024, 768)),
        (webp(b"VP8X", b"\0" * 4 + (799).to_bytes(3, "little") + (599).to_bytes(3, "little")), (800, 600)),
        (webp(b"VP8L", b"\x2f" + struct.pack("<I", (640 - 1) | ((480 - 1) << 14)) + b"\0" * 8), (640, 480)),
        (webp(b"VP8 ", b"\0\0\0\x9d\x01\x2a" + struct.pack("<HH", 300, 150) + b"\0" * 4), (300, 150)),
    ],
)
def test_size_is_read_from_the_header_of_each_image_type(data, size):
    assert read_size(io.BytesIO(data)) == size


@pytest.mark.parametrize("data", [b"", b"%PDF-1.4", b"\xff\xd8\xff\xe0\x00", png_bytes()[:20], b"RIFF\0\0\0\0WEBPVP8Z"])
def test_unknown_or_damaged_headers_give_no_size(data):
    assert read_size(io.BytesIO(data)) is None


def test_shown_images_get_their_size_unless_the_author_set_one_and_load_the_smaller_copy():
    small = "cd" * 32
    html = f'<p><img alt="a" src="/objects/{SHA}" loading="lazy"><img width="5" src="/objects/{SHA}"></p>'
    assert show_images(html, {SHA: ShownImage(small, 40, 30)}) == (
        f'<p><img width="40" height="30" alt="a" src="/objects/{small}" loading="lazy">'
        f'<img width="5" src="/objects/{small}"></p>'
    )


def test_lesson_images_have_width_height_and_lazy_loading(app, make_library):
    body = "# Shapes\n\n![A red square](square.png)\n"
    lesson = lesson_spec(
        "shapes", body=body, attachments={"square.png": png_bytes(64, 48), "extra.png": png_bytes(8, 6)}
    )
    import_into(app, make_library([lesson]))
    page = app.test_client().get("/lessons/shapes").text
    images = re.findall(r"<img [^>]*>", page)
    assert len(images) == 2
    assert 'width="64" height="48"' in images[0] and 'alt="A red square"' in images[0]
    assert 'width="8" height="6"' in images[1]
    assert all('loading="lazy"' in img for img in images)


def big_photo(width: int = 2000, height: int = 1500) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.effect_noise((width, height), 60).convert("RGB").save(out, "JPEG", quality=95)
    return out.getvalue()


def test_a_big_photo_is_shown_as_a_smaller_copy_made_at_import(app, make_library):
    photo = big_photo()
    lesson = lesson_spec("photo", body="# Photo\n\n![Steppe](steppe.jpg)\n", attachments={"steppe.jpg": photo})
    import_into(app, make_library([lesson]))
    client = app.test_client()
    img = re.search(r"<img [^>]*>", client.get("/lessons/photo").text).group(0)
    assert 'width="960" height="720"' in img
    src = re.search(r'src="(/objects/[0-9a-f]{64})"', img).group(1)
    response = client.get(src)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert read_size(io.BytesIO(response.data)) == (960, 720) and len(response.data) < len(photo) / 3
    response.close()


def test_small_images_and_gifs_are_shown_as_they_are(app, make_library):
    gif = b"GIF89a" + struct.pack("<HH", 3000, 2000) + bytes(200_000)
    lesson = lesson_spec(
        "plain", body="![a](a.png) ![g](g.gif)", attachments={"a.png": png_bytes(1200, 900), "g.gif": gif}
    )
    import_into(app, make_library([lesson]))
    page = app.test_client().get("/lessons/plain").text
    originals = {hashlib.sha256(png_bytes(1200, 900)).hexdigest(), hashlib.sha256(gif).hexdigest()}
    assert set(re.findall(r'<img [^>]*src="/objects/([0-9a-f]{64})"', page)) == originals


def test_garbage_collection_keeps_the_smaller_copies_of_images_in_use(app, make_library):
    from contentserver.cleanup import collect
    from contentserver.models import ImageVariant

    import_into(app, make_library([lesson_spec("photo", attachments={"steppe.jpg": big_photo()})]))
    with app.app_context():
        variant = ImageVariant.query.one().variant_sha256
        collect(app, 0)
        assert app.extensions["object_store"].has(variant)


def test_a_teachers_big_photo_upload_is_shown_as_a_smaller_copy(start_server, tmp_path):
    from teach_http import create_lesson, start_site

    site = start_site(start_server, tmp_path / "site")
    anna = site.client("anna")
    lesson_id = create_lesson(anna, body="# Steppe\n\n![The steppe in May](steppe.jpg)\n")
    anna.get(f"/teach/lessons/{lesson_id}")
    reply = anna.post(
        f"/teach/lessons/{lesson_id}/files", files={"file": ("steppe.jpg", big_photo(1600, 1200))}, follow=True
    )
    assert reply.status == 200, reply.text
    status, _headers, body = site.server.get(f"/lessons/{lesson_id}")
    img = re.search(r"<img [^>]*>", body.decode("utf-8")).group(0)
    assert status == 200 and 'width="960" height="720"' in img and 'alt="The steppe in May"' in img
