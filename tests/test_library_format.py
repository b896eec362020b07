"""The library format v1 (docs/library-format.md): the manifest's rules, field by field."""

from __future__ import annotations

import hashlib
import json

import pytest
from conftest import FAKE_MP4, VTT, build_manifest, lesson_spec, pdf_bytes, png_bytes

from contentserver.library.format import ManifestError, is_safe_name, manifest_bytes, object_relpath, parse_manifest

LIMIT = 1000


def good_manifest() -> dict:
    return build_manifest(
        [
            lesson_spec(
                "alpha",
                attachments={
                    "clip.mp4": FAKE_MP4,
                    "clip.kk.vtt": VTT,
                    "sheet.pdf": pdf_bytes(),
                    "leaf.png": png_bytes(),
                },
            ),
            lesson_spec("beta", lang="kk", script="Cyrl", title="Судың үш күйі", grade=7),
        ],
        "test-lib",
        3,
        "Test library",
    )


def parse(data: dict, max_lessons: int = LIMIT):
    return parse_manifest(json.dumps(data, ensure_ascii=False).encode("utf-8"), max_lessons)


def refused(data: dict, max_lessons: int = LIMIT) -> ManifestError:
    with pytest.raises(ManifestError) as info:
        parse(data, max_lessons)
    return info.value


def test_valid_manifest_is_read_with_every_field():
    manifest = parse(good_manifest())
    assert (manifest.library_id, manifest.version, manifest.format_version) == ("test-lib", 3, 1)
    alpha, beta = manifest.lessons
    assert [a.name for a in alpha.attachments] == ["clip.kk.vtt", "clip.mp4", "leaf.png", "sheet.pdf"]
    subtitles = alpha.attachments[0]
    assert (subtitles.kind, subtitles.subtitles_for, subtitles.lang) == ("subtitles", "clip.mp4", "kk")
    assert (beta.title, beta.lang, beta.script, beta.grade) == ("Судың үш күйі", "kk", "Cyrl", 7)
    assert manifest.objects()[hashlib.sha256(FAKE_MP4).hexdigest()] == len(FAKE_MP4)


@pytest.mark.parametrize(
    "created", ["2026-11-25T00:00:00Z", "2026-11-25T00:00:00+00:00", "2026-11-25T09:41:07.123456+00:00"]
)
def test_created_accepts_iso_8601_utc_times(created):
    data = good_manifest()
    data["created"] = created
    assert parse(data).created == created


def test_canonical_manifest_bytes_read_back_to_the_same_manifest():
    manifest = parse(good_manifest())
    raw = manifest_bytes(manifest)
    assert parse_manifest(raw, LIMIT) == manifest
    assert raw == manifest_bytes(parse_manifest(raw, LIMIT))
    assert b"\n" not in raw and "Судың".encode() in raw


def test_objects_are_named_by_sha256_two_hex_then_the_other_62():
    sha = "ab" + "c" * 62
    assert object_relpath(sha) == f"objects/ab/{'c' * 62}"


def setter(locate):
    """setter(locate)(key, value) -> an edit that sets (or with value KeyError, deletes) locate(manifest)[key]."""

    def field(key, value):
        def edit(manifest):
            target = locate(manifest)
            if value is KeyError:
                del target[key]
            else:
                target[key] = value

        return edit

    return field


top = setter(lambda m: m)
lesson0 = setter(lambda m: m["lessons"][0])
attachment0 = setter(lambda m: next(a for a in m["lessons"][0]["attachments"] if a["name"] == "sheet.pdf"))
subtitles = setter(lambda m: next(a for a in m["lessons"][0]["attachments"] if a["type"] == "text/vtt"))


BAD_FIELDS = [
    (top("format", "zip"), "format"),
    (top("format", KeyError), "format"),
    (top("format_version", "1"), "format_version"),
    (top("format_version", KeyError), "format_version"),
    (top("library_id", "Test Lib"), "library_id"),
    (top("library_id", KeyError), "library_id"),
    (top("version", 0), "version"),
    (top("version", 1.5), "version"),
    (top("version", True), "version"),
    (top("version", KeyError), "version"),
    (top("title", 7), "title"),
    (top("title", {"en": "Starter"}), "title"),
    (top("created", KeyError), "created"),
    (top("created", "yesterday"), "created"),
    (top("created", "2026-11-25T00:00:00"), "created"),
    (top("created", "2026-11-25T05:00:00+05:00"), "created"),
    (top("created", 1764028800), "created"),
    (top("lessons", {}), "lessons"),
    (top("lessons", KeyError), "lessons"),
    (lesson0("id", KeyError), "lessons[0].id"),
    (lesson0("id", "Alpha"), "lessons[0].id"),
    (lesson0("id", "a" * 81), "lessons[0].id"),
    (lesson0("id", 7), "lessons[0].id"),
    (lesson0("id", "alpha\n"), "lessons[0].id"),
    (lesson0("subject", "math\n"), "lessons[0].subject"),
    (top("library_id", "test-lib\n"), "library_id"),
    (lesson0("body", {"sha256": "a" * 64 + "\n", "size": 1}), "lessons[0].body.sha256"),
    (attachment0("name", "sheet.pdf\n"), "lessons[0].attachments[3].name"),
    (lesson0("title", KeyError), "lessons[0].title"),
    (lesson0("title", ""), "lessons[0].title"),
    (lesson0("title", "   "), "lessons[0].title"),
    (lesson0("title", "x" * 301), "lessons[0].title"),
    (lesson0("title", "bell\x07"), "lessons[0].title"),
    (lesson0("lang", KeyError), "lessons[0].lang"),
    (lesson0("lang", "de"), "lessons[0].lang"),
    (lesson0("script", KeyError), "lessons[0].script"),
    (lesson0("script", "Arab"), "lessons[0].script"),
    (lesson0("subject", KeyError), "lessons[0].subject"),
    (lesson0("subject", "Math"), "lessons[0].subject"),
    (lesson0("subject", "../math"), "lessons[0].subject"),
    (lesson0("grade", KeyError), "lessons[0].grade"),
    (lesson0("grade", 0), "lessons[0].grade"),
    (lesson0("grade", 13), "lessons[0].grade"),
    (lesson0("grade", "5"), "lessons[0].grade"),
    (lesson0("grade", True), "lessons[0].grade"),
    (lesson0("tags", "one"), "lessons[0].tags"),
    (lesson0("tags", ["ok", ""]), "lessons[0].tags"),
    (lesson0("tags", ["t"] * 31), "lessons[0].tags"),
    (lesson0("tags", ["x" * 61]), "lessons[0].tags"),
    (lesson0("body", KeyError), "lessons[0].body"),
    (lesson0("body", "lesson.md"), "lessons[0].body"),
    (lesson0("body", {"sha256": "A" * 64, "size": 1}), "lessons[0].body.sha256"),
    (lesson0("body", {"sha256": "a" * 63, "size": 1}), "lessons[0].body.sha256"),
    (lesson0("body", {"sha256": "a" * 64, "size": -1}), "lessons[0].body.size"),
    (lesson0("body", {"sha256": "a" * 64, "size": "1"}), "lessons[0].body.size"),
    (lesson0("body", {"sha256": "a" * 64}), "lessons[0].body.size"),
    (lesson0("attachments", "clip.mp4"), "lessons[0].attachments"),
    (
        lesson0(
            "attachments",
            [{"name": f"p{i}.pdf", "sha256": "a" * 64, "size": 1, "type": "application/pdf"} for i in range(101)],
        ),
        "lessons[0].attachments",
    ),
    (attachment0("name", KeyError), "lessons[0].attachments[3].name"),
    (attachment0("name", "sheet.mp4"), "lessons[0].attachments[3].name"),
    (attachment0("name", "sheet"), "lessons[0].attachments[3].name"),
    (lambda m: attachment0("type", "video/mp4")(m) or attachment0("name", "CLIP.MP4")(m), "lessons[0].attachments"),
    (attachment0("type", "image/svg+xml"), "lessons[0].attachments[3].type"),
    (attachment0("type", "text/html"), "lessons[0].attachments[3].type"),
    (attachment0("type", KeyError), "lessons[0].attachments[3].type"),
    (attachment0("sha256", KeyError), "lessons[0].attachments[3].sha256"),
    (attachment0("size", KeyError), "lessons[0].attachments[3].size"),
    (attachment0("subtitles_for", "clip.mp4"), "lessons[0].attachments[3].subtitles_for"),
    (subtitles("subtitles_for", KeyError), "lessons[0].attachments[0].subtitles_for"),
    (subtitles("subtitles_for", "other.mp4"), "lessons[0].attachments[0].subtitles_for"),
    (subtitles("subtitles_for", "../clip.mp4"), "lessons[0].attachments[0].subtitles_for"),
    (subtitles("lang", KeyError), "lessons[0].attachments[0].lang"),
    (subtitles("lang", "fr"), "lessons[0].attachments[0].lang"),
]


@pytest.mark.parametrize("edit, field", BAD_FIELDS, ids=[f"{i}-{f}" for i, (_, f) in enumerate(BAD_FIELDS)])
def test_invalid_field_is_refused_with_a_message_naming_file_and_field(edit, field):
    data = good_manifest()
    edit(data)
    error = refused(data)
    assert (error.file, error.field) == ("manifest.json", field)
    assert str(error).startswith(f"manifest.json: {field}: ")


def test_duplicate_lesson_ids_are_refused():
    data = good_manifest()
    data["lessons"][1]["id"] = "alpha"
    error = refused(data)
    assert error.field == "lessons[1].id" and "'alpha' appears twice" in str(error)


def test_more_lessons_than_max_lessons_are_refused():
    error = refused(good_manifest(), max_lessons=1)
    assert error.field == "lessons" and "2 lessons" in str(error) and "at most 1" in str(error)


@pytest.mark.parametrize(
    "version, advice", [(5, "upgrade contentserver"), (99, "upgrade contentserver"), (0, "rebuild the library")]
)
def test_unknown_format_version_says_which_version_is_needed(version, advice):
    data = good_manifest()
    data["format_version"] = version
    error = refused(data)
    assert error.field == "format_version"
    assert (
        f"format version {version}" in str(error) and "reads version 1, 2, 3, 4" in str(error) and advice in str(error)
    )


def test_manifest_that_is_not_an_object_is_refused():
    assert "JSON object" in str(refused([1, 2]))


def test_invalid_utf8_is_refused_with_the_byte_position():
    raw = json.dumps(good_manifest()).encode().replace(b"Test library", b"Test \xff library")
    with pytest.raises(ManifestError, match=r"^manifest.json: is not valid UTF-8 \(byte \d+\)"):
        parse_manifest(raw, LIMIT)


def test_bad_json_is_refused_with_line_and_column():
    raw = json.dumps(good_manifest(), indent=1).encode()[:-5]
    with pytest.raises(ManifestError, match=r"^manifest.json: is not valid JSON: .* at line \d+ column \d+"):
        parse_manifest(raw, LIMIT)


def test_too_deeply_nested_json_is_refused():
    raw = b'{"format": "contentserver-library", "x": ' + b"[" * 200_000 + b"]" * 200_000 + b"}"
    with pytest.raises(ManifestError, match="nested too deeply"):
        parse_manifest(raw, LIMIT)


@pytest.mark.parametrize("name", ["leaf.png", "clip.kk.vtt", "Worksheet_2-b.PDF", "a"])
def test_plain_names_are_safe(name):
    assert is_safe_name(name)
