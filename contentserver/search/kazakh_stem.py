"""A light, table-driven Kazakh suffix stripper: case, possessive, plural and common verb endings.

Works on lowercase Kazakh in the 2021 Latin alphabet (Cyrillic is transliterated first), with or without
Kazakh letters. Suffixes are peeled from the outside in, one layer at a time, only when the suffix agrees
with the stem's vowel harmony and the stem keeps at least its minimum length.
"""
from __future__ import annotations

from dataclasses import dataclass

from .folding import fold_latin, is_plain, to_latin_lower

# Layers from the outermost ending inwards; each strips at most one suffix (the longest that fits).
# Written in Cyrillic, the way Kazakh grammars list them; the Latin and keyboard-folded forms are derived.
# A row is (suffixes, minimum stem length left after stripping, ambiguous?). In an ambiguous layer a shorter
# suffix inside the longest one is a second reading: құрылысы is құрылыс+ы, жүйесі is жүйе+сі.
LAYERS: tuple[tuple[tuple[str, ...], int, bool], ...] = (
    # case endings (and the -дағы "which is in" adjective) and the verb endings that close a word
    (("ның", "нің", "дың", "дің", "тың", "тің",                       # genitive
      "ға", "ге", "қа", "ке", "на", "не",                             # dative
      "ны", "ні", "ды", "ді", "ты", "ті",                             # accusative / past tense
      "нда", "нде", "да", "де", "та", "те",                           # locative
      "нан", "нен", "дан", "ден", "тан", "тен",                       # ablative
      "мен", "бен", "пен", "менен", "бенен", "пенен",                 # instrumental
      "ндағы", "ндегі", "дағы", "дегі", "тағы", "тегі",               # "which is in"
      "ған", "ген", "қан", "кен",                                     # past participle
      "атын", "етін", "йтын", "йтін", "ады", "еді", "йды", "йді",     # present / habitual
      "ып", "іп"), 3, False),
    # possessive endings (3rd person and 1st/2nd plural; 1st/2nd singular clash with too many roots)
    (("ымыз", "іміз", "мыз", "міз", "ыңыз", "іңіз", "ңыз", "ңіз", "сы", "сі", "ы", "і"), 3, True),
    # plural
    (("лар", "лер", "дар", "дер", "тар", "тер"), 3, False),
)
SINGLE_LETTER_MIN_STEM = 4  # a one-letter suffix needs a longer stem: желі (network) must not become жел (wind)

FRONT = set("äeöüı")
BACK = set("aoūy")
PLAIN_FRONT = set("e")   # without Kazakh letters, a/o/u/i may stand for ä/ö/ü/ı: only e and y are sure
PLAIN_BACK = set("y")
VOWELS = set("aäeioöuüūyı")
# Voiced consonants at a stem's end go back to voiceless once a vowel-initial suffix is gone: жүрегі → жүрек.
DEVOICE = {"g": "k", "ğ": "q", "b": "p"}


@dataclass(frozen=True)
class Suffix:
    text: str
    harmony: str | None  # "front", "back" or None
    min_stem: int
    devoice: bool


def _harmony(latin: str) -> str | None:
    if set(latin) & FRONT:
        return "front"
    if set(latin) & BACK:
        return "back"
    return None


def _build(folded: bool) -> tuple[tuple[bool, tuple[Suffix, ...]], ...]:
    layers = []
    for suffixes, min_stem, ambiguous in LAYERS:
        rows = {}
        for cyr in suffixes:
            latin = to_latin_lower(cyr)
            text = fold_latin(latin) if folded else latin
            harmony = _harmony(latin)
            if folded:  # after folding only e (front) and y (back) still tell the harmony
                harmony = "front" if "e" in text else "back" if "y" in text else None
            stem_min = SINGLE_LETTER_MIN_STEM if len(text) == 1 else min_stem
            rows.setdefault(text, Suffix(text, harmony, stem_min, latin[0] in VOWELS))
        layers.append((ambiguous, tuple(sorted(rows.values(), key=lambda s: -len(s.text)))))
    return tuple(layers)


FULL_LAYERS = _build(folded=False)
FOLDED_LAYERS = _build(folded=True)


def _last_vowel(word: str) -> str | None:
    return next((ch for ch in reversed(word) if ch in VOWELS), None)


def _agrees(stem: str, suffix: Suffix, plain: bool) -> bool:
    vowel = _last_vowel(stem)
    if vowel is None:
        return False
    front, back = (PLAIN_FRONT, PLAIN_BACK) if plain else (FRONT, BACK)
    if suffix.harmony == "front":
        return vowel not in back
    if suffix.harmony == "back":
        return vowel not in front
    return True


def _strip(word: str, suffix: Suffix, plain: bool) -> str | None:
    """The word without the suffix, or None when the suffix does not fit (length, harmony)."""
    if not word.endswith(suffix.text):
        return None
    rest = word[:-len(suffix.text)]
    if len(rest) < suffix.min_stem or not _agrees(rest, suffix, plain):
        return None
    if suffix.devoice and rest[-1] in DEVOICE:
        rest = rest[:-1] + DEVOICE[rest[-1]]
    return rest


def _peel(word: str, layers, plain: bool) -> list[str]:
    if not layers:
        return [word]
    (ambiguous, suffixes), inner = layers[0], layers[1:]
    readings = []
    for suffix in suffixes:
        rest = _strip(word, suffix, plain)
        if rest is None:
            continue
        if readings and not (ambiguous and readings[0][1].endswith(suffix.text)):
            break
        readings.append((rest, suffix.text))
        if len(readings) == 2:
            break
    if not readings:
        return _peel(word, inner, plain)
    return [stem for rest, _ in readings for stem in _peel(rest, inner, plain)]


def stems(word: str) -> list[str]:
    """Every reading of one lowercase Kazakh word (Cyrillic or Latin), most likely first, in 2021 Latin."""
    word = to_latin_lower(word)
    plain = is_plain(word)
    if plain:
        word = fold_latin(word)
    return list(dict.fromkeys(_peel(word, FOLDED_LAYERS if plain else FULL_LAYERS, plain)))


def stem(word: str) -> str:
    """The most likely stem of one lowercase Kazakh word."""
    return stems(word)[0]
