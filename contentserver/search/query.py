"""From what a student typed to a whoosh query: exact > stemmed > folded > fuzzy, prefix on the last word.

Queries are built term by term from plain words, never parsed as query syntax, so operators (*, ~, quotes,
field:) are just characters that are dropped.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import pairwise

from .analysis import analyze, is_stopword, pair_key, words
from .folding import KAZAKH_CYRILLIC_LETTERS, KAZAKH_LATIN_LETTERS, fold, has_cyrillic
from .scoring import SnapshotSearcher

# How much a match in each field counts. A word matching exactly also matches its stem and its key, so the
# sums rank exact > stemmed > folded; fuzzy and prefix expansions count least. Chosen by bench/search_weights.py
# (docs/search.md): title fields at half and body fields at twice the hand-set weights before issue 18, so a
# common word in a title no longer beats the passage that holds the question's words.
WEIGHTS = {
    "title_exact": 1.5,
    "body_exact": 3.0,
    "title_stem": 1.5,
    "body_stem": 2.4,
    "tags_stem": 1.5,
    "extra_stem": 0.6,
    "title_key": 0.6,
    "body_key": 1.0,
    "tags_key": 0.8,
    "extra_key": 0.3,
    "pairs": 2.0,  # two neighbouring query words found neighbouring in a lesson (1, 2 and 3 measured alike)
}
OPTIONS = {"proximity": True}  # ranking mechanisms, switched off only by the ablation bench
FUZZY_FIELDS = {"title_key": 0.8, "body_key": 0.35, "title_exact": 0.8, "body_exact": 0.35}
PREFIX_FIELDS = {"title_key": 1.0, "body_key": 0.4}
KNOWN_WORD_PREFIX_SHARE = 0.5  # the last word is already a whole indexed word: its completions count less
FUZZY_MIN_LETTERS = 5
PREFIX_MIN_LETTERS = 2
MAX_EXPANSIONS = 12
MAX_WORDS = 12
MAX_POSTINGS = 6_000  # postings one query may score: bounds its time whatever is typed
KAZAKH_LETTERS = KAZAKH_CYRILLIC_LETTERS | KAZAKH_LATIN_LETTERS - {"q"}


@dataclass
class Plan:
    """The analysed query: its words, the language it is in, its weighted terms, and every key it looks for."""

    words: list[str]
    lang: str | None
    terms: dict[tuple[str, str], float] = field(default_factory=dict)  # (field, text) -> weight
    keys: set[str] = field(default_factory=set)
    unknown: list[str] = field(default_factory=list)  # words the library knows in no form: typos, maybe
    near: dict[str, list[str]] = field(default_factory=dict)  # an unknown word's one-edit body words

    @property
    def empty(self) -> bool:
        return not self.words


def query_words(text: str, max_words: int = MAX_WORDS) -> tuple[list[str], bool]:
    """The normalized words of a query, stopwords (of a language the query may be in, by script: Cyrillic іш is
    no English "is") dropped unless nothing else is left; and is-last-a-prefix."""
    found = words(text)[:max_words]
    langs = candidate_langs(text)
    content = [w for w in found if not any(is_stopword(w, lang) for lang in langs)]
    prefix = bool(text) and not text[-1].isspace() and bool(found) and found[-1] == (content or found)[-1]
    return content or found, prefix


def candidate_langs(text: str) -> list[str]:
    """Languages a query may be in, by script: Cyrillic is Kazakh or Russian, Latin is Kazakh or English."""
    return ["kk", "ru"] if has_cyrillic(text) else ["kk", "en"]


def _expand_prefix(searcher: SnapshotSearcher, fieldname: str, prefix: str) -> list[str]:
    def expand() -> list[str]:
        reader = searcher.reader()
        terms = []
        for btext in reader.expand_prefix(fieldname, prefix):
            terms.append(btext.decode("utf-8"))
            if len(terms) >= MAX_EXPANSIONS * 4:
                break
        terms.sort(key=lambda t: -searcher.ranker.doc_frequency(fieldname, t))
        return terms[:MAX_EXPANSIONS]

    return searcher.ranker.remember(("prefix", fieldname, prefix), expand)


def _fuzzy(searcher: SnapshotSearcher, fieldname: str, word: str) -> list[str]:
    def expand() -> list[str]:  # walks the field's whole term dictionary on disk: 1-8 ms
        found = []
        for term in searcher.reader().terms_within(fieldname, word, 1, prefix=1):
            if term != word:
                found.append(term)
                if len(found) >= MAX_EXPANSIONS:
                    break
        return found

    return searcher.ranker.remember(("fuzzy", fieldname, word), expand)


def detect_language(text: str, query_words_: list[str], prefix: bool, searcher: SnapshotSearcher) -> str:
    """The query's language: Kazakh letters decide; else the language whose lessons know most of its words."""
    letters = set(text.lower())
    if letters & KAZAKH_LETTERS:
        return "kk"
    kazakh, other = candidate_langs(text)
    reader, frequency_of = searcher.reader(), searcher.ranker.doc_frequency
    scores = {}
    for lang in (kazakh, other):
        fieldname, lessons = f"body_stem_{lang}", max(1, frequency_of("lang", lang))
        known, share = 0.0, 0.0
        for i, word in enumerate(query_words_):
            stems = analyze(word, lang)
            frequency = max((frequency_of(fieldname, s) for s in stems), default=0)
            if frequency:
                known += 1
                share += frequency / lessons
            elif (
                prefix
                and i == len(query_words_) - 1
                and stems
                and next(iter(reader.expand_prefix(fieldname, stems[0])), None) is not None
            ):
                known += 0.5
        scores[lang] = (known, share)
    return kazakh if scores[kazakh] > scores[other] else other


def _within_budget(
    terms: dict[tuple[str, str], float], word_of: dict[tuple[str, str], int], searcher: SnapshotSearcher
) -> dict[tuple[str, str], float]:
    """Each word's most telling posting list (weight × idf) that fits, then the next most telling ones while the
    query stays under MAX_POSTINGS postings: common words drop their lists in their weakest fields, which change
    the ranking least, and the time a query takes stays bounded whatever is typed."""
    total_docs = max(1, searcher.doc_count_all())
    sizes = {key: searcher.ranker.doc_frequency(*key) for key in terms}
    ranked = sorted(terms, key=lambda key: -terms[key] * math.log(1 + total_docs / max(1, sizes[key])))
    kept: dict[tuple[str, str], float] = {}
    postings = 0
    for word in dict.fromkeys(word_of[key] for key in ranked):  # each word keeps a list that fits, or its smallest
        own = [key for key in ranked if word_of[key] == word]
        share = max(1, (MAX_POSTINGS - postings) // 2)
        key = next((k for k in own if sizes[k] <= share), min(own, key=lambda k: sizes[k]))
        kept[key] = terms[key]
        postings += sizes[key]
    for key in ranked:
        if key not in kept and postings + sizes[key] <= MAX_POSTINGS:
            kept[key] = terms[key]
            postings += sizes[key]
    return kept


def _word_langs(word: str, langs: list[str]) -> list[str]:
    return ["kk"] if set(word) & KAZAKH_LETTERS else langs  # қ, ә, ş… are never Russian or English


def build(text: str, searcher: SnapshotSearcher, max_words: int = MAX_WORDS) -> Plan:
    """Turn the query text into weighted terms over the fields, summed by BM25F (empty fields are left out)."""
    found, prefix = query_words(text, max_words)
    if not found:
        return Plan([], None)
    lang = detect_language(text, found, prefix, searcher)
    reader = searcher.reader()
    fields = {name for name in searcher.schema.names() if reader.field_length(name)}  # skip empty fields
    plan = Plan(found, lang)
    terms: dict[tuple[str, str], float] = {}
    word_of: dict[tuple[str, str], int] = {}

    def add(fieldname: str, text_: str, weight: float, mark: bool = True) -> None:
        if fieldname not in fields:
            return
        key = (fieldname, text_)
        if weight > terms.get(key, 0.0):
            terms[key] = weight
            word_of[key] = index
        if mark:  # snippets mark what the keys say: "көлі" must not mark "көлік"
            plan.keys.add(text_)

    langs = candidate_langs(text)
    for index, word in enumerate(found):
        key = fold(word)
        word_langs = _word_langs(word, langs)
        last_prefix = prefix and index == len(found) - 1 and len(key) >= PREFIX_MIN_LETTERS
        add("title_exact", word, WEIGHTS["title_exact"])
        add("body_exact", word, WEIGHTS["body_exact"])
        for part in ("title", "body", "tags", "extra"):
            add(f"{part}_key", key, WEIGHTS[f"{part}_key"])
            for lang in word_langs:
                for stem in analyze(word, lang):
                    add(f"{part}_stem_{lang}", stem, WEIGHTS[f"{part}_stem"])
        known = any(
            searcher.ranker.doc_frequency(f, t)
            for f, t in [("body_exact", word), ("body_key", key), ("title_key", key)]
            + [(f"body_stem_{lang}", stem) for lang in word_langs for stem in analyze(word, lang)]
        )
        unknown = not known and not (last_prefix and _expand_prefix(searcher, "body_key", key))
        if unknown:  # known in no form, nor (the last word) completed: a typo, maybe
            plan.unknown.append(word)
        if unknown and len(key) >= FUZZY_MIN_LETTERS:
            for fieldname, weight in FUZZY_FIELDS.items():
                found_ = _fuzzy(searcher, fieldname, word if fieldname.endswith("_exact") else key)
                for term in found_:
                    add(fieldname, term, weight)
                if fieldname == "body_exact":
                    plan.near[word] = found_
        if last_prefix:
            # a whole word already (in any field): its completions are found but not marked in snippets
            whole = any(searcher.ranker.doc_frequency(fieldname, key) for fieldname in PREFIX_FIELDS)
            for fieldname, weight in PREFIX_FIELDS.items():
                if searcher.ranker.doc_frequency(fieldname, key):
                    weight *= KNOWN_WORD_PREFIX_SHARE
                for term in _expand_prefix(searcher, fieldname, key):
                    if term != key:
                        add(fieldname, term, weight, mark=not whole)
    if OPTIONS["proximity"]:
        for index, (first, second) in enumerate(pairwise(found)):  # noqa: B007 (add() files the pair under index)
            both = [lang for lang in langs if lang in _word_langs(first, langs) and lang in _word_langs(second, langs)]
            for lang in both:
                a, b = analyze(first, lang), analyze(second, lang)
                if a and b and a[0] != b[0]:
                    add("pairs", pair_key(a[0], b[0]), WEIGHTS["pairs"])
    if terms:
        plan.terms = _within_budget(terms, word_of, searcher)
    return plan
