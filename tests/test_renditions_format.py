"""Format version 4 (docs/library-format.md): a video's renditions on its attachment entry; the version is written only
when one is there, so every older library keeps its bytes; what a box may leave on the hub; a push names none."""

from __future__ import annotations

import hashlib
import json

import pytest
from conftest import FAKE_MP4, build_manifest, lesson_spec, pdf_bytes
from test_library_format import parse

from contentserver.errors import Unprocessable
from contentserver.hub.commit import lesson_entries
from contentserver.library.format import FORMAT_VERSION, manifest_bytes, manifest_to_dict

LOW, POSTER = "1" * 64, "2" * 64
MP4 = hashlib.sha256(FAKE_MP4).hexdigest()


def copies(low: str = LOW) -> list[dict]:
    return [
        {"kind": "low", "sha256": low, "size": 500, "type": "video/mp4", "width": 640, "height": 360},
        {"kind": "poster", "sha256": POSTER, "size": 40, "type": "image/jpeg", "width": 640, "height": 360},
    ]


def manifest(*lessons: dict, renditions: list[dict] | None = None) -> dict:
    data = build_manifest(list(lessons) or [lesson_spec("film", attachments={"clip.mp4": FAKE_MP4})], "lib", 2, "L")
    if renditions is not None:
        data["format_version"] = 4
        data["lessons"][0]["attachments"][0]["renditions"] = renditions
    return data


def test_renditions_are_read_and_written_back_as_version_4():
    parsed = parse(manifest(renditions=copies()))
    assert FORMAT_VERSION == 4 and parsed.written_version() == 4
    (video,) = parsed.lessons[0].attachments
    assert [(r.kind, r.sha256, r.width, r.height) for r in video.renditions] == [
        ("low", LOW, 640, 360),
        ("poster", POSTER, 640, 360),
    ]
    assert {LOW: 500, POSTER: 40, MP4: len(FAKE_MP4)}.items() <= parsed.objects().items()
    again = json.loads(manifest_bytes(parsed))
    assert again["format_version"] == 4 and again["lessons"][0]["attachments"][0]["renditions"] == copies()
    assert parse(again) == parsed


def test_a_library_without_renditions_keeps_its_version_1_bytes():
    data = manifest()
    parsed = parse(data)
    assert parsed.written_version() == 1 and manifest_to_dict(parsed)["format_version"] == 1
    assert "renditions" not in manifest_bytes(parsed).decode()


def test_only_an_original_with_a_low_copy_of_its_own_may_stay_on_the_hub():
    parsed = parse(manifest(renditions=copies()))
    assert parsed.optional_originals() == {MP4: len(FAKE_MP4)}
    assert MP4 not in parsed.wanted_objects(originals=False) and LOW in parsed.wanted_objects(originals=False)
    assert MP4 in parsed.wanted_objects(originals=True)
    phone_ready = parse(manifest(renditions=copies(low=MP4)))  # the original is its own low copy
    assert phone_ready.optional_originals() == {}
    poster_only = parse(manifest(renditions=copies()[1:]))
    assert poster_only.optional_originals() == {}


def test_an_original_another_lesson_needs_whole_is_not_left_behind():
    plain = lesson_spec("plain", attachments={"same.mp4": FAKE_MP4, "sheet.pdf": pdf_bytes()})
    film = lesson_spec("film", attachments={"clip.mp4": FAKE_MP4})
    data = manifest(film, plain)
    data["format_version"] = 4
    data["lessons"][0]["attachments"][0]["renditions"] = copies()
    assert parse(data).optional_originals() == {}


def test_a_push_that_names_renditions_is_refused():
    """A school names only files it uploads: the hub makes its own copies."""
    entry = manifest(renditions=copies())["lessons"][0]
    with pytest.raises(Unprocessable) as info:
        lesson_entries([entry], 10)
    assert "renditions" in str(info.value) and "format_version 4" in str(info.value)
    del entry["attachments"][0]["renditions"]
    assert lesson_entries([entry], 10)[0]["id"] == "film"
