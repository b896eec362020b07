"""Result snippets: the best window of a lesson's text, HTML-escaped first, then query words marked."""
from __future__ import annotations

import re

from markupsafe import Markup, escape

from .analysis import analyze
from .folding import normalize

WORD_RE = re.compile(r"\w+")
WINDOW_WORDS = 30


def _matches(word: str, lang: str, keys: set[str]) -> bool:
    normal = normalize(word)
    return normal in keys or bool(set(analyze(normal, None)) & keys) or bool(set(analyze(normal, lang)) & keys)


def make_snippet(text: str, lang: str, keys: set[str], window: int = WINDOW_WORDS) -> Markup:
    """About `window` words around the densest run of matches; every character escaped, matches in <mark>."""
    spans = [(m.start(), m.end(), _matches(m.group(), lang, keys)) for m in WORD_RE.finditer(text)]
    if not spans:
        return Markup("")
    hits = [i for i, span in enumerate(spans) if span[2]]
    best = 0
    if hits:
        best = max(hits, key=lambda i: (sum(1 for h in hits if i <= h < i + window), -i))
        best = max(0, best - 3)
    chosen = spans[best:best + window]
    start, end = chosen[0][0], chosen[-1][1]
    out = [Markup("… ") if best > 0 else Markup("")]
    cursor = start
    for s, e, marked in chosen:
        out.append(escape(text[cursor:s]))
        out.append(Markup("<mark>%s</mark>") % text[s:e] if marked else escape(text[s:e]))
        cursor = e
    if end < len(text.rstrip()):
        out.append(Markup(" …"))
    return Markup("").join(out)
