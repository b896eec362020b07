"""Result snippets: the best window of a lesson's text, HTML-escaped first, then query words marked."""

from __future__ import annotations

import re
from collections.abc import Mapping
from itertools import accumulate

from markupsafe import Markup, escape

from .analysis import analyze, roman_numerals
from .folding import normalize_word

WORD_RE = re.compile(r"\w+")
WINDOW_WORDS = 30
SCAN_CHARS = 3000  # the window is looked for in the first part of the text: enough, and fast


class Marker(dict):
    """word -> whether a word of a text in `lang` matches one of the query's keys. Answers are worked out on the
    first look-up and kept, so one marker serves every snippet of a page in that language, and the ~300 words
    of a snippet are mostly plain dictionary look-ups."""

    def __init__(self, lang: str, keys: set[str]):
        super().__init__()
        self.lang, self.query_keys = lang, keys

    def __missing__(self, word: str) -> bool:
        normal, keys = normalize_word(roman_numerals(word)), self.query_keys  # ХІІІ is marked for 13
        found = (
            normal in keys
            or not keys.isdisjoint(analyze(normal, None))
            or not keys.isdisjoint(analyze(normal, self.lang))
        )
        self[word] = found
        return found


def _best_start(marks: list[bool], window: int) -> int:
    """The start of the window holding the most marked words (earliest on ties), a little before its first.
    Window counts come from running sums (C loops), not a Python loop over every word."""
    best = 0
    if len(marks) > window:
        sums = list(accumulate(marks, initial=0))
        counts = [high - low for low, high in zip(sums, sums[window:])]
        best = counts.index(max(counts))
    first = next((i for i in range(best, len(marks)) if marks[i]), best)
    return max(0, min(best, first - 3))


def make_snippet(text: str, matches: Mapping[str, bool], window: int = WINDOW_WORDS) -> Markup:
    """About `window` words around the densest run of matches (a `Marker`); every character escaped, matches in
    <mark>."""
    spans = [(m.start(), m.end()) for m in WORD_RE.finditer(text[:SCAN_CHARS])]
    if not spans:
        return Markup("")
    marks = [matches[text[s:e]] for s, e in spans]
    best = _best_start(marks, window)
    chosen = range(best, min(len(spans), best + window))
    out = [Markup("… ") if best > 0 else Markup("")]
    cursor = spans[best][0]
    for i in chosen:
        s, e = spans[i]
        out.append(escape(text[cursor:s]))
        out.append(Markup("<mark>%s</mark>") % text[s:e] if marks[i] else escape(text[s:e]))
        cursor = e
    if cursor < len(text.rstrip()):
        out.append(Markup(" …"))
    return Markup("").join(out)
