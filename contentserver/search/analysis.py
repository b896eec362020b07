"""Whoosh analyzers: surface words, script-folded keys, and per-language stems (English, Russian, Kazakh)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache

from whoosh.analysis import Analyzer, Composable, Filter, RegexTokenizer, Token, Tokenizer
from whoosh.lang import stemmer_for_language, stopwords_for_language

from . import kazakh_stem
from .folding import fold, has_cyrillic, normalize

LANGS = ("kk", "ru", "en")
WORD_PATTERN = r"\w+"
KAZAKH_STOPWORDS = frozenset(
    """
        және мен бен пен да де та те бұл осы сол ол не ме ма ба бе па пе үшін бар жоқ емес әр қалай қандай
        неге кім қай қайда қашан біз сіз сен мен олар оның оны оған онда одан бірақ немесе яғни тағы әрі
        ғана екен еді болып болады деп дейді
    """.split()
)


def _stopwords() -> frozenset[str]:
    words = set(KAZAKH_STOPWORDS) | set(stopwords_for_language("ru")) | set(stopwords_for_language("en"))
    return frozenset(fold(normalize(w)) for w in words)


STOP_KEYS = _stopwords()
# Words whose analysis is remembered: enough for the common words of any library, in bounded memory (the server
# process also indexes, and an entry costs ~250 bytes: at 50,000 a cache, up to ~50 MiB stayed after a rebuild).
WORD_CACHE = 8192


class NormalizingTokenizer(Tokenizer):
    """Normalize the whole text (NFC, Kazakh casing, look-alikes, apostrophes), then split into words."""

    def __init__(self) -> None:
        self.words = RegexTokenizer(WORD_PATTERN)

    def __call__(self, value, **kwargs):
        return self.words(_normalized(value), **kwargs)


@lru_cache(maxsize=8)
def _normalized(text: str) -> str:
    """The fields of one document analyse the same text several times: normalize it once."""
    return normalize(text)


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


def exact_analyzer() -> Composable:
    """Words as written (normalized, lowercase): an exact-letter match ranks highest."""
    return NormalizingTokenizer()


def key_analyzer() -> Analyzer:
    """Folded keys: Cyrillic and Latin, with or without Kazakh letters, meet in one key."""
    return NormalizingTokenizer() | KeyFilter(None)


def stem_analyzer(lang: str) -> Analyzer:
    """The language's stems, folded to keys: inflected forms in either script meet."""
    return NormalizingTokenizer() | KeyFilter(lang)


def words(text: str) -> list[str]:
    """The normalized words of a text, in order (for queries and snippets)."""
    return [t.text for t in NormalizingTokenizer()(text)]


def analyze(word: str, lang: str | None) -> tuple[str, ...]:
    """The keys of one normalized word: stems in a language (None: the folded word); none for a stopword."""
    if _key(word)[0] in STOP_KEYS:
        return ()
    return _key(word) if lang is None else STEMMERS[lang](word)
