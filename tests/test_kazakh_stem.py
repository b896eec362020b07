"""The Kazakh suffix stripper: a table of word → stem, including words that must not be stripped."""

from __future__ import annotations

import pytest

from contentserver.search.folding import fold, is_plain, to_latin_lower
from contentserver.search.kazakh_stem import LAYERS, stem, stems


@pytest.mark.parametrize(
    "word, expected",
    [
        ("мектептер", "mektep"),
        ("мектептерге", "mektep"),
        ("мектептеріндегі", "mektep"),  # plural, case
        ("балалардың", "bala"),
        ("балалар", "bala"),
        ("далада", "dala"),
        ("ауылдан", "auyl"),
        ("кітаптар", "kıtap"),
        ("кітабы", "kıtap"),
        ("жүрегі", "jürek"),  # б→п, г→к back
        ("оқушыларға", "oquşy"),
        ("өлеңдері", "öleñ"),
        ("теңізі", "teñız"),
        ("мысалдар", "mysal"),
        ("бөлшектерге", "bölşek"),
        ("ережелері", "ereje"),
        ("сабақтары", "sabaq"),
        ("хандығы", "handyq"),
        ("жазған", "jaz"),
        ("келіп", "kel"),
        ("компьютерлер", "kompiuter"),
        ("үйлер", "üi"),
        ("Абайдың", "abai"),
    ],
)
def test_suffixes_are_stripped(word, expected):
    assert stem(word) == expected


@pytest.mark.parametrize(
    "word",
    [
        "мектеп",
        "кітап",
        "бала",
        "алма",
        "ана",
        "су",
        "қол",
        "тау",
        "жел",
        "қала",
        "дала",
        "желі",  # network: must not become жел (wind), a one-letter ending needs a 4-letter stem
        "компьютер",  # -тер is plural only after a voiceless consonant
        "фотосинтез",
        "сайғақ",
        "мен",
        "ет",
        "ат",
    ],
)
def test_words_that_must_not_be_stripped(word):
    assert stems(word) == [fold(word) if is_plain(word) else to_latin_lower(word)]


@pytest.mark.parametrize(
    "forms",
    [
        ("жүрек", "жүрегі", "жүректің", "жүрегіміздің", "zhurektin", "jüregı"),
        ("мектеп", "мектептер", "мектептерге", "мектептеріндегі", "mektepterge"),
        ("бөлшек", "бөлшектер", "бөлшектерге", "bolshekterge"),
        ("теңіз", "теңізі", "tenizi", "teñızı"),
        ("абай", "абайдың", "abaidyn", "Abaidyñ"),
    ],
)
def test_forms_of_one_word_share_a_folded_stem_in_any_script_or_keyboard(forms):
    keys = [{fold(s) for s in stems(form)} for form in forms]
    common = set.intersection(*keys)
    assert common, keys


def test_ambiguous_possessive_keeps_both_readings():
    assert stems("құрылысы") == ["qūryly", "qūrylys"]  # құрылыс+ы (structure) or *құрылы+сы
    assert "qūrylys" in stems("құрылыс")


def test_vowel_harmony_blocks_a_front_suffix_on_a_back_stem():
    assert stem("қалалер") == "qalaler"  # -лер is front, қала is back: not a suffix here
    assert stem("қалалар") == "qala"


def test_table_suffixes_are_cyrillic_and_layers_have_minimum_stems():
    for min_stem, _ambiguous, rows in LAYERS:
        assert min_stem >= 2
        for suffixes, after in rows:
            assert suffixes and after
            assert all("\u0400" <= ch <= "\u04ff" for ch in suffixes.replace(" ", ""))
