"""A light, table-driven Kazakh suffix stripper: case, possessive, plural and common verb endings.

Works on lowercase Kazakh in either script, with or without Kazakh letters, and returns stems in the 2021
Latin alphabet. Suffixes are peeled from the outside in, one layer at a time, only when the suffix agrees with
the stem's vowel harmony, may follow the stem's last sound (-тар only after a voiceless consonant, -лар after
a vowel…), and leaves the stem its minimum length.
"""

from __future__ import annotations

from dataclasses import dataclass

from .folding import fold_latin, is_plain, lower, to_latin_lower

# Which sounds a suffix may follow (Cyrillic letter classes, as grammars state them).
VOWEL = "аәеиоөуұүыіэюяё"
GLIDE = "йру"  # р, й, у behave like vowels for -лар and -мен
SONORANT = "лмнң"
BUZZ = "жз"
VOICED_STOP = "бвгғд"
VOICED = SONORANT + BUZZ + VOICED_STOP
VOICELESS = "кқпстфхцчшщ"
CONSONANT = GLIDE + VOICED + VOICELESS

# Layers from the outermost ending inwards: (minimum stem length, ambiguous?, rows of (suffixes, may follow)).
# Each layer strips at most one suffix, the longest that fits. In an ambiguous layer a shorter suffix inside
# the longest one is kept as a second reading: құрылысы is құрылыс+ы, жүйесі is жүйе+сі.
LAYERS: tuple[tuple[int, bool, tuple[tuple[str, str], ...]], ...] = (
    (
        3,
        False,
        (  # case endings and the verb endings that close a word
            ("ның нің", VOWEL),
            ("дың дің", GLIDE + VOICED),
            ("тың тің", VOICELESS),  # genitive
            ("ға ге", VOWEL + GLIDE + VOICED),
            ("қа ке", VOICELESS),
            ("на не", VOWEL),  # dative
            ("ны ні", VOWEL),
            ("ды ді", GLIDE + VOICED),
            ("ты ті", VOICELESS),  # accusative, past
            ("да де", VOWEL + GLIDE + VOICED),
            ("та те", VOICELESS),
            ("нда нде", VOWEL),  # locative
            ("дан ден", VOWEL + GLIDE + BUZZ + VOICED_STOP + "л"),
            ("нан нен", VOWEL + "мнң"),  # ablative
            ("тан тен", VOICELESS),
            ("мен менен", VOWEL + GLIDE + "л"),
            ("бен бенен", BUZZ + "мнң"),
            ("пен пенен", VOICELESS),  # with
            ("дағы дегі", VOWEL + GLIDE + VOICED),
            ("тағы тегі", VOICELESS),
            ("ндағы ндегі", VOWEL),  # which is in
            ("ған ген", VOWEL + GLIDE + VOICED),
            ("қан кен", VOICELESS),  # past participle
            ("атын етін ады еді ып іп", CONSONANT),
            ("йтын йтін йды йді", VOWEL),  # present, converb
        ),
    ),
    (
        3,
        True,
        (  # possessive: 3rd person, 1st and 2nd plural
            ("ымыз іміз ыңыз іңіз ы і", CONSONANT),
            ("мыз міз ңыз ңіз сы сі", VOWEL),
        ),
    ),
    (
        2,
        False,
        (  # plural
            ("лар лер", VOWEL + GLIDE),
            ("дар дер", SONORANT + BUZZ),
            ("тар тер", VOICELESS + VOICED_STOP),
        ),
    ),
)
INVARIANT = {"мен", "бен", "пен", "менен", "бенен", "пенен"}  # "with" keeps its vowel after any stem
SINGLE_LETTER_MIN_STEM = 4  # a one-letter suffix needs a longer stem: желі (network) must not become жел (wind)

FRONT = set("äeöüı")
BACK = set("aoūy")
PLAIN_FRONT = set("e")  # without Kazakh letters, a/o/u/i may stand for ä/ö/ü/ı: only e and y are sure
PLAIN_BACK = set("y")
VOWELS = set("aäeioöuüūyı")
# Voiced consonants at a stem's end go back to voiceless once a vowel-initial suffix is gone: жүрегі → жүрек.
DEVOICE = {"g": "k", "ğ": "q", "b": "p"}


@dataclass(frozen=True)
class Suffix:
    text: str
    harmony: str | None  # "front", "back" or None
    min_stem: int
    after: frozenset[str]  # letters the stem may end with
    devoice: bool


def _letters(cyrillic: str, folded: bool) -> frozenset[str]:
    latin = {to_latin_lower(ch)[-1:] for ch in cyrillic}
    return frozenset(fold_latin(ch) for ch in latin) if folded else frozenset(latin)


def _harmony(text: str, folded: bool) -> str | None:
    front, back = (PLAIN_FRONT, PLAIN_BACK) if folded else (FRONT, BACK)
    return "front" if set(text) & front else "back" if set(text) & back else None


def _build(folded: bool) -> tuple[tuple[bool, tuple[Suffix, ...]], ...]:
    layers = []
    for min_stem, ambiguous, rows in LAYERS:
        suffixes: dict[str, Suffix] = {}
        for names, after in rows:
            for cyr in names.split():
                latin = to_latin_lower(cyr)
                text = fold_latin(latin) if folded else latin
                harmony = None if cyr in INVARIANT else _harmony(text, folded)
                stem_min = SINGLE_LETTER_MIN_STEM if len(text) == 1 else min_stem
                suffixes.setdefault(text, Suffix(text, harmony, stem_min, _letters(after, folded), latin[0] in VOWELS))
        layers.append((ambiguous, tuple(sorted(suffixes.values(), key=lambda s: -len(s.text)))))
    return tuple(layers)


FULL_LAYERS = _build(folded=False)
FOLDED_LAYERS = _build(folded=True)


def _agrees(stem: str, suffix: Suffix, plain: bool) -> bool:
    """Vowel harmony: a front suffix never follows a back stem, nor a back suffix a front one."""
    vowel = next((ch for ch in reversed(stem) if ch in VOWELS), None)
    if vowel is None:
        return False
    front, back = (PLAIN_FRONT, PLAIN_BACK) if plain else (FRONT, BACK)
    if suffix.harmony == "front":
        return vowel not in back
    if suffix.harmony == "back":
        return vowel not in front
    return True


def _strip(word: str, suffix: Suffix, plain: bool) -> str | None:
    """The word without the suffix, or None when the suffix does not fit (sound, length, harmony)."""
    if not word.endswith(suffix.text):
        return None
    rest = word[: -len(suffix.text)]
    if len(rest) < suffix.min_stem or rest[-1] not in suffix.after or not _agrees(rest, suffix, plain):
        return None
    if suffix.devoice and rest[-1] in DEVOICE:
        rest = rest[:-1] + DEVOICE[rest[-1]]
    return rest


def _second_reading(longer: str, shorter: str) -> bool:
    """сы then ы: the extra consonant may end the stem instead (құрылыс+ы beside *құрылы+сы)."""
    return longer.endswith(shorter) and longer[-len(shorter) - 1] not in VOWELS


def _peel(word: str, layers, plain: bool) -> list[str]:
    if not layers:
        return [word]
    (ambiguous, suffixes), inner = layers[0], layers[1:]
    readings: list[tuple[str, str]] = []
    for suffix in suffixes:
        rest = _strip(word, suffix, plain)
        if rest is None:
            continue
        if readings and not (ambiguous and _second_reading(readings[0][1], suffix.text)):
            break
        readings.append((rest, suffix.text))
        if len(readings) == 2:
            break
    if not readings:
        return _peel(word, inner, plain)
    return [stem for rest, _ in readings for stem in _peel(rest, inner, plain)]


def stems(word: str) -> list[str]:
    """Every reading of one Kazakh word (Cyrillic or Latin), most likely first, in 2021 Latin letters."""
    word = to_latin_lower(lower(word))
    plain = is_plain(word)
    if plain:
        word = fold_latin(word)
    return list(dict.fromkeys(_peel(word, FOLDED_LAYERS if plain else FULL_LAYERS, plain)))


def stem(word: str) -> str:
    """The most likely stem of one Kazakh word."""
    return stems(word)[0]
