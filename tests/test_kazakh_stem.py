"""The Kazakh stemmer, rule by rule: words each rule must strip (to which stem) and words it must leave whole."""

from __future__ import annotations

import pytest

from contentserver.search import kazakh_lexicon
from contentserver.search.folding import fold, to_latin_lower, typed_plain
from contentserver.search.kazakh_stem import stem
from contentserver.search.kazakh_suffixes import LAYERS, OUTERMOST

# rule -> (word -> the stem it must get, words the rule must not strip)
RULES: dict[str, tuple[dict[str, str], list[str]]] = {
    "plural -лар/-дар/-тар follows the stem's last sound": (
        {"балалар": "bala", "жылдар": "jyl", "мектептер": "mektep", "үйлер": "üi", "компьютерлер": "kompiuter"},
        ["базар", "компьютер", "қалалер"],  # -тер only after a voiceless consonant; -лер is front, қала is back
    ),
    "genitive -ның after a vowel and м/н/ң, -дың, -тың": (
        {"адамның": "adam", "Қазақстанның": "qazaqstan", "балалардың": "bala", "Абайдың": "abai", "елдің": "el"},
        ["теңге", "нүкте"],
    ),
    "dative, locative, ablative, instrumental": (
        {"мектептерге": "mektep", "далада": "dala", "ауылдан": "auyl", "елге": "el", "кезде": "kez"},
        ["басқа", "Астана"],  # known stems: never cut below them
    ),
    "accusative -н/-ын/-ін after a possessive": (
        {"пьесасын": "pesa", "энергиясын": "energiia", "бедерін": "beder"},
        ["орын", "адам"],
    ),
    "possessives of every person, stacked with plural and case": (
        {
            "кітабым": "kıtap",
            "балаңыз": "bala",
            "мектебіміз": "mektep",
            "мектептеріндегі": "mektep",
            "оқушыларымыздың": "oquşy",
            "кезінде": "kez",
            "жылы": "jyl",
        },
        ["желі", "теңге"],  # желі (network) is its own stem, not жел (wind) + і
    ),
    "past -ды/-ті, also after a vowel-final root": (
        {"бастады": "basta", "сұрады": "sūra", "келді": "kel", "тапты": "tap", "ойнады": "oina"},
        ["бұлт"],
    ),
    "present, person endings, conditional": (
        {"бармайды": "bar", "бастайды": "basta", "барамын": "bara", "келсе": "kel", "келсек": "kel", "келдім": "kel"},
        ["алма"],
    ),
    "converbs -ып/-іп/-п and participles": (
        {"келіп": "kel", "жазып": "jaz", "оқып": "oq", "жазған": "jaz", "келгенде": "kel", "оқитын": "oq"},
        ["мектеп", "кітап"],  # -п after a vowel, but кітап is a known stem
    ),
    "verbal noun -у, -уы and its cases": (
        {"оқу": "oq", "оқуы": "oq", "оқуға": "oq", "бастауы": "basta"},
        ["су"],
    ),
    "negation -ма/-ме/-ба/-па": (
        {"оқымады": "oq", "келмеді": "kel"},
        ["алма", "жазба"],
    ),
    "sound changes at the stem's edge are undone": (
        {"халқы": "halyq", "орны": "oryn", "аузы": "auyz", "кітабы": "kıtap", "жүрегі": "jürek", "оқыды": "oq"},
        ["халық", "орын"],
    ),
    "short known roots": (
        {"елдің": "el", "алды": "aldy", "жылдың": "jyl", "кездері": "kez"},
        ["ел", "ал", "ат", "іш", "іс", "ас"],
    ),
}


def _cases(strip: bool):
    for rule, (stripped, whole) in RULES.items():
        if strip:
            yield from (pytest.param(word, expected, id=f"{rule}: {word}") for word, expected in stripped.items())
        else:
            yield from (pytest.param(word, id=f"{rule}: {word}") for word in whole)


@pytest.mark.parametrize("word, expected", list(_cases(strip=True)))
def test_rule_strips(word, expected):
    assert stem(word) == (fold(expected) if typed_plain(word.lower()) else expected)


@pytest.mark.parametrize("word", list(_cases(strip=False)))
def test_rule_leaves_whole(word):
    latin = to_latin_lower(word.lower())
    assert stem(word) == (fold(latin) if typed_plain(word.lower()) else latin)


def test_baste_basqa_basty_stay_apart():
    assert len({stem("бастады"), stem("басқа"), stem("басты")}) == 3


@pytest.mark.parametrize(
    "forms",
    [
        ("жүрек", "жүрегі", "жүректің", "жүрегіміздің", "zhuregi", "jüregı", "jurekke"),
        ("мектеп", "мектептер", "мектептерге", "мектептеріндегі", "mektepterge"),
        ("бөлшек", "бөлшектер", "бөлшектерге", "bolshekterge"),
        ("Қазақстан", "Қазақстанның", "qazaqstannyñ", "qazaqstannyn", "kazakstannyn", "казакстанда"),
        ("шаш", "шашы", "shashy", "şaşy"),  # ш typed without other Kazakh letters is a plain-keyboard word
    ],
)
def test_forms_of_one_word_share_a_folded_stem_in_any_script_or_keyboard(forms):
    keys = {fold(stem(form)) for form in forms}
    assert len(keys) == 1, keys


@pytest.mark.parametrize("word, plain", [("шаш", True), ("qazaqsha", True), ("казакша", True), ("қазақша", False)])
def test_plain_keyboard_is_decided_per_letter_before_transliteration(word, plain):
    assert typed_plain(word) is plain


def test_tables_are_cyrillic_and_every_outer_layer_exists():
    for layer, rows in LAYERS.items():
        for suffixes, after, inside, _known_only in rows:
            assert suffixes and after, layer
            assert all("\u0400" <= ch <= "\u04ff" for ch in suffixes.replace(" ", ""))
            assert set(inside) <= set(LAYERS)
    assert set(OUTERMOST) <= set(LAYERS)


def test_lexicon_is_read_with_roots_apart():
    full, folded = kazakh_lexicon.stems()
    assert "teñge" in full.words and "basta" in full.roots and "bastau" not in full.words  # verbs as roots
    assert "tenge" in folded.words
    assert len(full.words) > 20_000
