"""Whoosh analyzers: surface words, script-folded keys, and per-language stems (English, Russian, Kazakh)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import pairwise

from whoosh.analysis import Analyzer, Composable, Filter, RegexTokenizer, Token, Tokenizer
from whoosh.lang import stemmer_for_language, stopwords_for_language

from . import kazakh_stem
from .folding import fold, has_cyrillic, normalize

LANGS = ("kk", "ru", "en")
OPTIONS = {"stopwords_per_language": True, "roman_numerals": True, "hyphens_joined": True}  # off: ablation only
ROMAN_LOOKALIKES = str.maketrans("ІХСМіх", "IXCMix")
ROMAN_WORD_RE = re.compile(r"\b(?:[IVXLCDMІХСМ]+|[ivxіх]+)\b")
ROMAN_RE = re.compile(r"M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})")
ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
WORD_PATTERN = r"\w+"
WORD_RE = re.compile(WORD_PATTERN)
HYPHENATED_RE = re.compile(r"\w+(?:-\w+)+")
KAZAKH_STOPWORDS = frozenset(
    """
        және мен бен пен да де та те бұл осы сол ол не ме ма ба бе па пе үшін бар жоқ емес әр қалай қандай
        неге кім қай қайда қашан біз сіз сен мен олар оның оны оған онда одан бірақ немесе яғни тағы әрі
        ғана екен еді болып болады деп дейді
    """.split()
)


# Each language's own stopwords, as its words are written: Kazakh ones folded (typed in any script or keyboard),
# Russian ones in Cyrillic (ё as е), English ones in Latin. A union of folded keys dropped Kazakh content words
# that fold onto a foreign stopword (іш, іс -> "is", ас -> "as", ат -> "at").
STOPWORDS = {
    "kk": frozenset(fold(normalize(w)) for w in KAZAKH_STOPWORDS),
    "ru": frozenset(normalize(w).replace("ё", "е") for w in stopwords_for_language("ru")),
    "en": frozenset(normalize(w) for w in stopwords_for_language("en")),
}
STOP_KEYS = STOPWORDS["kk"] | STOPWORDS["ru"] | STOPWORDS["en"]  # the old union: kept for callers outside search/


def is_stopword(word: str, lang: str) -> bool:
    """Whether a normalized word is a stopword of this language (Russian ones are Cyrillic, English ones Latin)."""
    if not OPTIONS["stopwords_per_language"]:
        return fold(word) in STOP_KEYS
    if lang == "kk":
        return fold(word) in STOPWORDS["kk"]
    if lang == "ru":
        return has_cyrillic(word) and word.replace("ё", "е") in STOPWORDS["ru"]
    return not has_cyrillic(word) and word in STOPWORDS["en"]


def script_langs(word: str) -> tuple[str, str]:
    """The languages a word may be in, by its script: Cyrillic is Kazakh or Russian, Latin Kazakh or English."""
    return ("kk", "ru") if has_cyrillic(word) else ("kk", "en")


# Words whose analysis is remembered: enough for the common words of any library, in bounded memory (the server
# process also indexes, and an entry costs ~250 bytes: at 50,000 a cache, up to ~50 MiB stayed after a rebuild).
WORD_CACHE = 8192


class NormalizingTokenizer(Tokenizer):
    """Normalize the whole text (NFC, Kazakh casing, look-alikes, apostrophes; Roman numerals as numbers), then
    split into words."""

    def __init__(self) -> None:
        self.words = RegexTokenizer(WORD_PATTERN)

    def __call__(self, value, **kwargs):
        return self.words(_normalized(value), **kwargs)


@lru_cache(maxsize=8)
def _normalized(text: str) -> str:
    """The fields of one document analyse the same text several times: normalize it once. A hyphenated word is
    also indexed joined (Алма-Ата: алма, ата and алмаата), so a student who leaves the hyphen out finds it."""
    text = normalize(roman_numerals(text))
    joined = [m.group().replace("-", "") for m in HYPHENATED_RE.finditer(text)] if OPTIONS["hyphens_joined"] else []
    return f"{text} {' '.join(joined)}" if joined else text


def roman_numerals(text: str) -> str:
    """Roman numerals as Arabic numbers, in Latin or Cyrillic look-alike letters (ХІІІ ғасыр -> 13 ғасыр): in
    capitals from two letters on, in lowercase only of i, v, x (what a student types: xiii)."""
    return ROMAN_WORD_RE.sub(_roman_value, text) if OPTIONS["roman_numerals"] else text


def _roman_value(match: re.Match[str]) -> str:
    word = match.group()
    latin = word.translate(ROMAN_LOOKALIKES).upper()
    if (word.islower() and set(latin) - set("IVX")) or len(word) < 2 or not ROMAN_RE.fullmatch(latin):
        return word
    total, previous = 0, 0
    for letter in reversed(latin):
        value = ROMAN_VALUES[letter]
        total, previous = (total - value, previous) if value < previous else (total + value, value)
    return str(total)


class KeyFilter(Filter):
    """Replace each word by its keys in a language (None: folded only); stopwords go, readings share a position.

    Holds the language code, not a function, so the schema pickles into the index's table of contents.
    """

    def __init__(self, lang: str | None):
        self.lang = lang

    def __eq__(self, other):
        return type(other) is type(self) and other.lang == self.lang

    # whoosh's own Filter.__call__ takes tokens where its base Composable declares (value, **kwargs)
    def __call__(self, tokens: Iterable[Token]) -> Iterator[Token]:  # type: ignore[override]
        for token in tokens:
            for text in analyze(token.text, self.lang):
                token.text = text
                yield token


@lru_cache(maxsize=WORD_CACHE)
def _russian(word: str) -> tuple[str, ...]:
    return (fold(_RU_STEM(word.replace("ё", "е"))) if has_cyrillic(word) else fold(word),)


@lru_cache(maxsize=WORD_CACHE)
def _english(word: str) -> tuple[str, ...]:
    return (fold(word) if has_cyrillic(word) else fold(_EN_STEM(word)),)


@lru_cache(maxsize=WORD_CACHE)
def _kazakh(word: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(fold(s) for s in kazakh_stem.stems(word)))


@lru_cache(maxsize=WORD_CACHE)
def _key(word: str) -> tuple[str, ...]:
    return (fold(word),)


_RU_STEM = stemmer_for_language("ru")
_EN_STEM = stemmer_for_language("en")
STEMMERS = {"ru": _russian, "en": _english, "kk": _kazakh}


def clear_caches() -> None:
    """Forget analysed words and texts (after OPTIONS change)."""
    for cached in (_russian, _english, _kazakh, _key, _normalized, analyze):
        cached.cache_clear()


def exact_analyzer() -> Composable:
    """Words as written (normalized, lowercase): an exact-letter match ranks highest."""
    return NormalizingTokenizer()


def key_analyzer() -> Analyzer:
    """Folded keys: Cyrillic and Latin, with or without Kazakh letters, meet in one key."""
    return NormalizingTokenizer() | KeyFilter(None)


def stem_analyzer(lang: str) -> Analyzer:
    """The language's stems, folded to keys: inflected forms in either script meet."""
    return NormalizingTokenizer() | KeyFilter(lang)


def pair_keys(text: str, lang: str) -> list[str]:
    """Each two neighbouring content words of a text as one key (their stems in a language, in either order):
    the evidence that a passage holds a query's words together, as a phrase or near one. Stopwords between two
    words do not part them."""
    stems = [found[0] for word in words(text) if (found := analyze(word, lang))]
    return [pair_key(a, b) for a, b in pairwise(stems) if a != b]


def pair_key(a: str, b: str) -> str:
    """The key of two neighbouring stems, whichever comes first (Kazakh word order is free)."""
    return f"{a}+{b}" if a < b else f"{b}+{a}"


def words(text: str) -> list[str]:
    """The normalized words of a text, in order (for queries and snippets; hyphenated words only in parts)."""
    return WORD_RE.findall(normalize(roman_numerals(text)))


# Whole analyses remembered too: a book's articles go through it twice a word (keys and stems), and its stopword
# tests and folding were a fifth of a book index's build (docs/performance.md, "Books").
@lru_cache(maxsize=2 * WORD_CACHE)
def analyze(word: str, lang: str | None) -> tuple[str, ...]:
    """The keys of one normalized word: stems in a language (None: the folded word, which is dropped when it is
    a stopword in either language of its script); none for a stopword."""
    if lang is None:
        return () if any(is_stopword(word, lang_) for lang_ in script_langs(word)) else _key(word)
    return () if is_stopword(word, lang) else STEMMERS[lang](word)
