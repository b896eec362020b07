"""Library format version 2: book entries beside lessons; version 1 libraries read and written as before."""

from __future__ import annotations

import json

import pytest
from test_library_format import good_manifest, parse, refused

from contentserver.library.format import FORMAT_VERSION, manifest_bytes, manifest_to_dict
from contentserver.library.format_books import book_lang

ZIM_SHA = "ab" * 32


def book(**changes) -> dict:
    entry = {
        "id": "wikipedia-kk",
        "title": "Уикипедия",
        "lang": "kk",
        "zim": {"sha256": ZIM_SHA, "size": 12345},
        "article_count": 230000,
        "zim_metadata": {"Name": "wikipedia_kk_all", "Language": "kaz", "License": "CC-BY-SA"},
    }
    entry.update(changes)
    return entry


def with_books(*books: dict, version: int = 2) -> dict:
    data = good_manifest()
    data["format_version"] = version
    data["books"] = list(books)
    return data


def test_version_two_carries_books_and_their_zim_object():
    manifest = parse(with_books(book(), book(id="wikipedia-be", lang="bel", subject="history")))
    assert FORMAT_VERSION == 4 and manifest.format_version == 2  # 3 added channels, 4 renditions; books alone: 2
    assert [b.id for b in manifest.books] == ["wikipedia-kk", "wikipedia-be"]
    assert manifest.books[0].meta("License") == "CC-BY-SA" and manifest.books[1].subject == "history"
    assert manifest.objects()[ZIM_SHA] == 12345
    again = parse(json.loads(manifest_bytes(manifest)))
    assert again == manifest and manifest_to_dict(manifest)["format_version"] == 2


def test_a_library_of_lessons_alone_keeps_its_version_one_bytes():
    data = good_manifest()
    manifest = parse(data)
    assert manifest.format_version == 1 and manifest.books == ()
    assert b'"format_version":1' in manifest_bytes(manifest) and b"books" not in manifest_bytes(manifest)


def test_books_in_a_version_one_manifest_are_refused_naming_the_version():
    error = refused(with_books(book(), version=1))
    assert error.field == "books" and "format_version 2" in str(error)


@pytest.mark.parametrize(
    "change, field, words",
    [
        ({"id": "Bad Id"}, "books[0].id", "lowercase"),
        ({"lang": "Kazakh"}, "books[0].lang", "ISO 639"),
        ({"article_count": 0}, "books[0].article_count", "no articles"),
        ({"zim": {"sha256": "x", "size": 1}}, "books[0].zim.sha256", "64 lowercase hex"),
        ({"zim_metadata": {"Tags": "x"}}, "books[0].zim_metadata.Tags", "keeps only"),
        ({"title": ""}, "books[0].title", "printable"),
    ],
)
def test_a_bad_book_field_is_named(change, field, words):
    error = refused(with_books(book(**change)))
    assert error.field == field and words in str(error)


def test_two_books_with_one_id_are_refused():
    assert "appears twice" in str(refused(with_books(book(), book())))


@pytest.mark.parametrize(
    "zim_language, lang",
    [("kaz", "kk"), ("rus", "ru"), ("eng", "en"), ("eng,fra", "en"), ("bel", "bel"), ("deu", "deu"), ("", "und")],
)
def test_any_zim_language_is_accepted(zim_language, lang):
    assert book_lang(zim_language) == lang
