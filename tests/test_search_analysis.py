"""Per-language analysis: Russian Snowball (ё→е), English stemming, stopwords, query language detection."""

from __future__ import annotations

import pytest

from contentserver.search.analysis import analyze, key_analyzer, stem_analyzer, words
from contentserver.search.query import query_words


def tokens(analyzer, text: str) -> list[str]:
    return [t.text for t in analyzer(text)]


@pytest.mark.parametrize(
    "a, b",
    [
        ("фотосинтез", "фотосинтезом"),
        ("Аральское", "Аральского"),
        ("дроби", "дробями"),
        ("ёлка", "елки"),
        ("землетрясение", "землетрясения"),
        ("маршрутизатор", "маршрутизаторы"),
    ],
)
def test_russian_forms_share_a_stem(a, b):
    assert analyze(words(a)[0], "ru") == analyze(words(b)[0], "ru")


def test_russian_yo_is_read_as_ye():
    assert tokens(stem_analyzer("ru"), "ёлка") == tokens(stem_analyzer("ru"), "елка")
    assert tokens(stem_analyzer("ru"), "ещё") == tokens(stem_analyzer("ru"), "еще") == []  # a stopword


def test_russian_stems_are_folded_into_the_common_key_space():
    assert tokens(stem_analyzer("ru"), "Каспий Каспия") == ["kasp", "kasp"]


@pytest.mark.parametrize("a, b", [("eruptions", "eruption"), ("volcanic", "volcanoes"), ("pumps", "pumping")])
def test_english_forms_share_a_stem(a, b):
    stem_a, stem_b = analyze(a, "en")[0], analyze(b, "en")[0]
    assert stem_a[:5] == stem_b[:5]


def test_stopwords_leave_the_key_and_stem_fields_but_not_exact_words():
    assert tokens(key_analyzer(), "the heart and the blood") == ["heart", "blood"]
    assert tokens(stem_analyzer("ru"), "правила для школьников") == ["prav", "skolnik"]
    assert tokens(stem_analyzer("kk"), "жүрек және қан") == ["jurek", "kan"]


def test_query_words_drop_stopwords_unless_nothing_else_is_left():
    assert query_words("how does the heart pump blood")[0] == ["heart", "pump", "blood"]
    assert query_words("the")[0] == ["the"]


def test_last_word_is_a_prefix_unless_the_query_ends_with_a_space():
    assert query_words("percen")[1] is True
    assert query_words("percent ")[1] is False


@pytest.mark.parametrize(
    "hostile",
    [
        "",
        "*",
        "~",
        '"',
        '"unbalanced',
        "title:",
        "field:value",
        "AND OR NOT",
        "(((",
        "\x00",
        "a" * 10_000,
        "🙂🙂",
        "<script>",
    ],
)
def test_operators_are_plain_characters_and_never_raise(hostile):
    found, _prefix = query_words(hostile)
    assert all(w.isalnum() or "_" in w for w in found)


@pytest.mark.parametrize("word", ["іш", "іс", "ас", "ат", "ит", "өт"])
def test_kazakh_content_words_are_not_foreign_stopwords(word):
    assert analyze(word, "kk") and analyze(word, None)  # іс folds to "is", an English stopword: it stays


@pytest.mark.parametrize("word, lang", [("және", "kk"), ("jane", "kk"), ("и", "ru"), ("the", "en"), ("үшін", "kk")])
def test_stopwords_belong_to_their_language(word, lang):
    assert analyze(word, lang) == ()
    assert analyze(word, None) == ()


def test_a_russian_stopword_is_no_stopword_in_english_or_kazakh_fields():
    assert analyze("и", "en") and analyze("is", "kk")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("ХІІІ ғасыр", ["13", "ғасыр"]),  # Cyrillic Х and І
        ("XIII ғасыр", ["13", "ғасыр"]),
        ("xiii gasyr", ["13", "gasyr"]),
        ("ХХІ", ["21"]),
        ("ІІ дүниежүзілік", ["2", "дүниежүзілік"]),
        ("іс ic mix I", ["іс", "ic", "mix", "i"]),  # lowercase words with c/m, invalid numerals, one capital
    ],
)
def test_roman_numerals_become_numbers(text, expected):
    assert words(text) == expected


def test_hyphenated_words_are_indexed_joined_too():
    tokens = [t.text for t in key_analyzer()("Алма-Ата, по-русски")]
    assert {"alma", "ata", "almaata", "porusski"} <= set(tokens)
    assert words("Алма-Ата") == ["алма", "ата"]  # a query keeps the parts
