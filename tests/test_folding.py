"""Script folding: Kazakh Cyrillic ⇄ 2021 Latin, plain-keyboard fallback, Kazakh Latin casing, look-alikes."""

from __future__ import annotations

import unicodedata

import pytest

from contentserver.search.folding import WORD_RE, cyrillic_to_latin, fold, is_plain, lower, normalize, normalize_word


@pytest.mark.parametrize(
    "cyrillic, latin",
    [
        ("Қазақстан", "Qazaqstan"),
        ("мектеп", "mektep"),
        ("оқушы", "oquşy"),
        ("білім", "bılım"),
        ("Іле", "Ile"),
        ("Иран", "İran"),
        ("жүрегі", "jüregı"),
        ("энергия", "energiia"),
        ("компьютер", "kompiuter"),
        ("Ағаш", "Ağaş"),
        ("Өзен", "Özen"),
        ("ұлы", "ūly"),
        ("Шоқан", "Şoqan"),
        ("ЯНВАРЬ", "İaNVAR"),
        ("Абай 1845", "Abai 1845"),
    ],
)
def test_cyrillic_to_latin_follows_the_2021_table_and_keeps_case(cyrillic, latin):
    assert cyrillic_to_latin(cyrillic) == latin


def test_cyrillic_to_latin_passes_other_text_through():
    assert cyrillic_to_latin("Photosynthesis: CO₂ + H₂O!") == "Photosynthesis: CO₂ + H₂O!"


@pytest.mark.parametrize(
    "a, b",
    [
        ("Қазақ", "Qazaq"),
        ("қазақ", "kazak"),
        ("Qazaq", "kazak"),  # Cyrillic, Latin, plain keyboard
        ("жүрек", "jürek"),
        ("жүрек", "zhurek"),
        ("жүрек", "журек"),  # zh digraph, Russian keyboard
        ("шеңбер", "sheñber"),
        ("шеңбер", "шенбер"),
        ("şeñber", "senber"),
        ("өлеңдері", "олендери"),
        ("өлеңдері", "olenderi"),
        ("хандығы", "handygy"),
        ("һауа", "хауа"),
        ("ғалым", "галым"),
        ("сілкініс", "silkinis"),
        ("бөлшек", "bolshek"),
        ("İran", "Иран"),
    ],
)
def test_spellings_of_one_word_fold_to_one_key(a, b):
    assert fold(normalize(a)) == fold(normalize(b))


@pytest.mark.parametrize("a, b", [("жел", "желі"), ("қол", "кел"), ("күн", "кін"), ("сеть", "сел")])
def test_different_words_keep_different_keys(a, b):
    assert fold(normalize(a)) != fold(normalize(b))


def test_dotted_capital_i_lowercases_without_a_stray_combining_dot():
    assert "İ".lower() != "i"  # what Python does by itself
    assert lower("İRAN") == "iran"
    assert all(unicodedata.combining(ch) == 0 for ch in lower("İstanbul İ\u0307"))


def test_dotless_and_dotted_i_fold_together():
    assert fold(normalize("BILIM")) == fold(normalize("bılım")) == fold(normalize("білім"))


def test_decomposed_input_is_composed_first():
    decomposed = unicodedata.normalize("NFD", "jüregı Ağaş")
    assert normalize(decomposed) == "jüregı ağaş"


@pytest.mark.parametrize(
    "typed, meant",
    [
        ("бiлiм", "білім"),  # Latin i typed inside a Cyrillic word
        ("һауа", "һауа"),
        ("hауа", "һауа"),  # Latin h for Cyrillic һ
        ("əke", "äke"),  # Latin schwa for ә in a Latin word
    ],
)
def test_look_alike_letters_are_put_right(typed, meant):
    assert normalize(typed) == normalize(meant)


def test_apostrophes_inside_words_are_dropped():
    assert normalize("Qazaqstan'da") == "qazaqstanda"


@pytest.mark.parametrize("word, plain", [("кол", True), ("қол", False), ("jol", True), ("jüregı", False)])
def test_plain_words_are_those_without_kazakh_letters(word, plain):
    assert is_plain(word) is plain


def test_normalize_word_equals_normalize_for_every_word_of_a_text():
    text = (
        "Қазақстан ЖҮРЕГІ İstanbul Ölşem Ə-ləm сeрдце (Latin e) Kazaqstan ŞEKARA naïve Straße 2021ж "
        "hеart ÄLEM ıstyq ЁЛКА ĞYLYM zhürek Iнтернет"
    )
    words = WORD_RE.findall(text)
    assert len(words) > 15
    assert [normalize_word(w) for w in words] == [normalize(w) for w in words]
