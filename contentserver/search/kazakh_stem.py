"""A light Kazakh morphology for search: layered suffix tables, a stem lexicon, and sound changes undone.

Works on lowercase Kazakh in either script, with or without Kazakh letters, and returns stems in the 2021 Latin
alphabet (folded when the word was typed without Kazakh letters). Every way of peeling the word's suffixes that
the tables allow (kazakh_suffixes: layers in morphotactic order, vowel harmony, the sound each suffix may follow)
is a reading; a reading's stem may have changed at its edge (кітаб-ы → кітап, халқ-ы → халық, оқы-ды → оқ).
The longest stem the lexicon knows wins, so a word is never cut below a known stem (теңге, басқа, Астана stay
whole); a word with no known stem loses the most the tables safely allow, keeping three letters.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from . import kazakh_lexicon
from .folding import fold_latin, is_plain, lower, to_latin_lower, typed_plain
from .kazakh_suffixes import MANDATORY_INSIDE, OUTERMOST, RARE_LAYERS, VERB_LAYERS, Suffix, build

VOWELS = frozenset("aäeioöuüūyı")
FRONT, BACK = frozenset("äeöüı"), frozenset("aoūy")
PLAIN_FRONT, PLAIN_BACK = frozenset("e"), frozenset("y")  # without Kazakh letters a/o/u/i may stand for ä/ö/ü/ı
DEVOICE = {"b": "p", "g": "k", "ğ": "q"}  # кітаб-ы → кітап, жүрег-і → жүрек, таб-ады → тап
HIDDEN = {"back": "y", "front": "ı"}  # the vowel a root loses before a vowel: халық → халқы, орын → орны
MIN_STEM = 3  # an unknown stem keeps three letters
MIN_STEM_SHORT_SUFFIX = 4  # and four before a one-letter suffix: желі (network) is not жел (wind) + і
MAX_DEPTH = 6
MAX_DOUBT = 1  # a known stem reached through one doubt is taken if it keeps three letters, through more never
OPTIONS = {
    "lexicon": True,
    "restore": True,
    "plain_per_letter": True,
}  # mechanisms, switched off only by the ablation bench


def _by_last_letter(layers: dict[str, tuple[Suffix, ...]]) -> dict[str, dict[str, tuple[Suffix, ...]]]:
    """Each layer's suffixes grouped by their last letter: a word is only tried against the ones it ends like."""
    grouped: dict[str, dict[str, tuple[Suffix, ...]]] = {}
    for name, suffixes in layers.items():
        by_letter: dict[str, list[Suffix]] = {}
        for suffix in suffixes:
            by_letter.setdefault(suffix.text[-1], []).append(suffix)
        grouped[name] = {letter: tuple(found) for letter, found in by_letter.items()}
    return grouped


FULL = _by_last_letter(build(folded=False))
FOLDED = _by_last_letter(build(folded=True))


@dataclass(frozen=True)
class Reading:
    stem: str
    verbal: bool  # a verb's suffix was stripped: its root may have lost its own ы/і
    strips: int
    known_only: bool  # a suffix that may only be stripped down to a known stem
    short: bool  # a one-letter suffix was stripped
    vowel_initial: bool  # the innermost suffix stripped began with a vowel
    suffixes: tuple[str, ...] = ()  # stripped, outermost first
    doubt: int = 0  # suffixes that are rare or short enough to be a stem's own letters


def _last_vowel_agrees(stem: str, suffix: Suffix, plain: bool) -> bool:
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


def readings(word: str, plain: bool) -> list[Reading]:
    """Every way the tables allow to peel a (2021 Latin, or folded) word, the word itself first."""
    layers = FOLDED if plain else FULL
    found: list[Reading] = [Reading(word, False, 0, False, False, False)]

    def peel(text: str, names: tuple[str, ...], reading: Reading, depth: int) -> None:
        if depth >= MAX_DEPTH:
            return
        for name in names:
            for suffix in layers[name].get(text[-1:], ()):
                rest = text[: -len(suffix.text)]
                if (
                    not text.endswith(suffix.text)
                    or len(rest) < kazakh_lexicon.SHORT_ROOT
                    or rest[-1] not in suffix.after
                    or not _last_vowel_agrees(rest, suffix, plain)
                ):
                    continue
                inner = Reading(
                    rest,
                    reading.verbal or suffix.layer in VERB_LAYERS,
                    reading.strips + 1,
                    reading.known_only or suffix.known_only,
                    reading.short or len(suffix.text) == 1,
                    suffix.vowel_initial,
                    (*reading.suffixes, suffix.text),
                    reading.doubt + (suffix.known_only or suffix.layer in RARE_LAYERS),
                )
                if suffix.inside not in MANDATORY_INSIDE:
                    found.append(inner)
                peel(rest, suffix.inside, inner, depth + 1)

    peel(word, OUTERMOST, found[0], 0)
    return found


def _harmony_of(stem: str) -> str:
    vowel = next((ch for ch in reversed(stem) if ch in VOWELS), "a")
    return "front" if vowel in FRONT else "back"


def restorations(reading: Reading, plain: bool) -> list[tuple[str, int]]:
    """The stem as read, then as it was before a sound change at its edge, each with its doubt: a voiced end
    before a vowel (кітаб-ы) and a verb root's own ы (оқы-ды) are regular; a lost vowel (халқ-ы) is not always."""
    stem = reading.stem
    variants = [(stem, 0)]
    if not OPTIONS["restore"] or not reading.strips:
        return variants
    if reading.vowel_initial and stem[-1] in DEVOICE:
        variants.append((stem[:-1] + DEVOICE[stem[-1]], 0))
    if reading.vowel_initial and len(stem) >= 3 and stem[-1] not in VOWELS and stem[-2] not in VOWELS - {"u"}:
        hidden = ("y", "i") if plain else (HIDDEN[_harmony_of(stem)],)
        variants += [(stem[:-1] + vowel + stem[-1], 1) for vowel in hidden]
    if reading.verbal and len(stem) >= 3 and stem[-1] in "yıi" and stem[-2] not in VOWELS:
        variants.append((stem[:-1], 0))  # оқы-ды, оқы-ма-ды: the verb оқу's root is written оқ- in the lexicon
    return variants


def restored(reading: Reading, plain: bool) -> list[str]:
    """The stem as read, then as it was before a sound change at its edge (table-driven, kept only if known)."""
    return [variant for variant, _doubt in restorations(reading, plain)]


def _fallback(readings: list[Reading]) -> str:
    """No known stem: the reading that strips most, of those that keep enough letters and need no lexicon."""
    usable = [
        r
        for r in readings
        if (not r.known_only and len(r.stem) >= (MIN_STEM_SHORT_SUFFIX if r.short else MIN_STEM)) or not r.strips
    ]
    best = min(usable, key=lambda r: (len(r.stem), r.strips))
    if OPTIONS["restore"] and best.vowel_initial and best.stem[-1] in DEVOICE:
        return best.stem[:-1] + DEVOICE[best.stem[-1]]
    return best.stem


@lru_cache(maxsize=8192)  # bounded: see analysis.WORD_CACHE
def _analyse(word: str, plain: bool) -> str:
    readings_ = readings(word, plain)
    if not OPTIONS["lexicon"]:
        return _fallback(readings_)
    known = kazakh_lexicon.stems()[1 if plain else 0]
    best: tuple[int, int, str] | None = None  # (-doubt, length, stem): the least doubtful, then the longest
    for reading in readings_:
        for variant, doubt in restorations(reading, plain):
            if variant in known.words or (variant in known.roots and (reading.verbal or not reading.strips)):
                candidate = (
                    -(reading.doubt + doubt + (variant not in known.words and not reading.verbal)),
                    len(variant),
                    variant,
                )
                best = candidate if best is None or candidate > best else best
    if best is not None and (best[0] == 0 or (best[0] >= -MAX_DOUBT and best[1] > MIN_STEM)):
        return best[2]
    return _fallback(readings_)  # only a doubtful known stem (аба is no ап+а): as if none were known


def stems(word: str) -> list[str]:
    """The readings of one Kazakh word (Cyrillic or Latin) kept for search, in 2021 Latin letters (a list: the
    analyzer indexes each)."""
    return [stem(word)]


def stem(word: str) -> str:
    """The stem of one Kazakh word: folded (no Kazakh letters) when it was typed without them."""
    word = lower(word)
    latin = to_latin_lower(word)
    plain = typed_plain(word) if OPTIONS["plain_per_letter"] else is_plain(latin)  # off: as before issue 18
    return _analyse(fold_latin(latin) if plain else latin, plain)


def clear_caches() -> None:
    """Forget analysed words (after OPTIONS change)."""
    _analyse.cache_clear()
