"""What the peer benches ask for: hot lessons, distinct searches per round, as-you-type prefixes, good answers/s."""

from __future__ import annotations

import random
import re
import urllib.parse
from collections.abc import Sequence

from .load import LoadResult
from .synthetic import CORPUS, load_corpus

HOT_SET = 500  # the lessons a school reads at once
QUERIES_PER_ROUND = 1500  # distinct searches each round: the result caches see each query once per round
WORD_RE = re.compile(r"[^\W\d_]{4,}")


def hot_lessons(ids: Sequence[str], count: int = HOT_SET) -> list[str]:
    """The same sample of lesson ids for every server and size."""
    return random.Random(7).sample(list(ids), min(count, len(ids)))


def query_words() -> list[str]:
    """Words of the corpus lesson titles (every language of the libraries), in a fixed order."""
    return sorted({w.lower() for lesson in load_corpus(CORPUS) for w in WORD_RE.findall(lesson.title)})


def search_rounds(rounds: int, seed: int = 11) -> list[list[str]]:
    """Distinct one- and two-word queries, a different set per round."""
    words = query_words()
    rng, seen, out = random.Random(seed), set(), []
    for _ in range(rounds):
        batch = []
        while len(batch) < QUERIES_PER_ROUND:
            q = rng.choice(words) if rng.random() < 0.4 else f"{rng.choice(words)} {rng.choice(words)}"
            if q not in seen:
                seen.add(q)
                batch.append(q)
        out.append(batch)
    return out


def prefixes() -> list[str]:
    """As-you-type prefixes: 2 to 5 letters of each title word."""
    return sorted({w[:n] for w in query_words() for n in range(2, 6)})


def paths(template: str, values: Sequence[str]) -> list[str]:
    """template.format(q=…) for each value, URL-quoted."""
    return [template.format(q=urllib.parse.quote(v)) for v in values]


def ok_rps(result: LoadResult) -> float:
    """Answers per second that were neither errors nor 4xx/5xx (a busy 503 is not a search served)."""
    good = max(0, result.requests - result.errors - result.bad_status)
    return result.rps * good / result.requests if result.requests else 0.0
