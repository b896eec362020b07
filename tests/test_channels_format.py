"""Library format version 3: Kolibri channel entries; libraries without channels keep their version 1 or 2 bytes."""

from __future__ import annotations

import json

import pytest
from test_books_format import book, with_books
from test_library_format import good_manifest, parse, refused

from contentserver.library.format import FORMAT_VERSION, manifest_bytes, manifest_to_dict

TREE, FILE = "a" * 64, "b" * 64


def channel(**changes) -> dict:
    entry = {
        "id": "c" * 32,
        "title": "Khan Academy (қазақша)",
        "channel_version": 7,
        "tree": {"sha256": TREE, "size": 900},
        "files": [{"sha256": FILE, "size": 12}],
    }
    entry.update(changes)
    return entry


def with_channels(*channels: dict, version: int = 3) -> dict:
    data = with_books(book(), version=version) if version >= 2 else good_manifest()
    data["channels"] = list(channels)
    return data


def test_version_three_carries_channels_and_their_objects():
    manifest = parse(with_channels(channel()))
    assert FORMAT_VERSION == 4 and manifest.format_version == 3
    assert manifest.channels[0].title == "Khan Academy (қазақша)" and manifest.channels[0].channel_version == 7
    assert manifest.objects()[TREE] == 900 and manifest.objects()[FILE] == 12
    again = parse(json.loads(manifest_bytes(manifest)))
    assert again == manifest and manifest_to_dict(manifest)["format_version"] == 3


def test_libraries_without_channels_keep_their_older_version_bytes():
    assert b'"format_version":1' in manifest_bytes(parse(good_manifest()))
    assert b'"format_version":2' in manifest_bytes(parse(with_books(book())))


@pytest.mark.parametrize("version", [1, 2])
def test_channels_in_an_older_manifest_are_refused_naming_the_version(version):
    error = refused(with_channels(channel(), version=version))
    assert error.field == "channels" and "format_version 3" in str(error)


@pytest.mark.parametrize(
    "change, field, words",
    [
        ({"id": "../../etc"}, "channels[0].id", "32 hex digits"),
        ({"id": "C" * 32}, "channels[0].id", "32 hex digits"),
        ({"channel_version": -1}, "channels[0].channel_version", "0 or more"),
        ({"channel_version": True}, "channels[0].channel_version", "must be int"),
        ({"title": ""}, "channels[0].title", "printable"),
        ({"title": "a\x1bb"}, "channels[0].title", "printable"),
        ({"tree": "x"}, "channels[0].tree", "must be an object"),
        ({"files": [{"sha256": "x", "size": 1}]}, "channels[0].files[0].sha256", "64 lowercase hex"),
        ({"files": {}}, "channels[0].files", "must be list"),
    ],
)
def test_bad_channel_entries_are_refused_with_the_field(change, field, words):
    error = refused(with_channels(channel(**change)))
    assert error.field == field and words in str(error)


def test_a_channel_listed_twice_is_refused():
    error = refused(with_channels(channel(), channel()))
    assert error.field == "channels[1].id" and "appears twice" in str(error)
