"""Passage retrieval on real-text Kazakh and Russian (bench/data/realtext): MRR@10 per query kind, with ablations.

python -m bench.search_realtext [--corpus DIR] [--ablate] [--latency]
(also: python -m bench.search_quality --corpus DIR). The Kazakh questions are asked four ways: in Cyrillic, in the
2021 Latin alphabet, in Cyrillic typed without Kazakh letters (ә→а, қ→к, і→и…), and in Latin without diacritics.
Every passage is its own document (chunks of one article are separate passages, judged apart); passages
without a question are there as neighbours on the same topics (Абай's last years beside his youth). --ablate turns
each mechanism off in turn (the index is rebuilt for each); --latency times the engine per query (medians).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.search_corpus import read_jsonl, write_source_library
from bench.search_quality import baseline_ranker, evaluate, print_table
from contentserver import create_app
from contentserver.library.importer import ImportLimits, import_library
from contentserver.search import analysis, kazakh_stem, query
from contentserver.search.engine import search
from contentserver.search.folding import cyrillic_to_latin, strip_marks

CORPUS = Path(__file__).resolve().parent / "data" / "realtext"
PLAIN_KEYBOARD = str.maketrans("әғқңөұүһіӘҒҚҢӨҰҮҺІ", "агкноуухиАГКНОУУХИ")
KINDS: dict[str, Callable[[str], str]] = {
    "kk-cyrillic": lambda q: q,
    "kk-latin-2021": cyrillic_to_latin,
    "kk-no-kazakh-letters": lambda q: q.translate(PLAIN_KEYBOARD),
    "kk-latin-no-diacritics": lambda q: strip_marks(cyrillic_to_latin(q)).replace("ı", "i").replace("I", "I"),
}


def load(corpus: Path) -> tuple[list[dict], list[dict]]:
    """Passages as corpus rows, and the queries each tagged with its kind (and its language)."""
    rows, queries = [], []
    for lang in ("kk", "ru"):
        for passage in read_jsonl(corpus / f"{lang}_passages.jsonl"):
            rows.append(
                passage
                | {"topic": passage["id"], "lang": lang, "script": "Cyrl", "subject": "other", "grade": 7, "tags": []}
            )
    for q in read_jsonl(corpus / "kk_queries.jsonl"):
        queries += [q | {"q": make(q["q"]), "kind": kind, "lang": "kk"} for kind, make in KINDS.items()]
    queries += [q | {"kind": "ru", "lang": "ru"} for q in read_jsonl(corpus / "ru_queries.jsonl")]
    return rows, queries


def run(rows: list[dict], queries: list[dict], latency: bool = False) -> tuple[dict, list[float]]:
    """Figures of our search over these rows (a fresh data folder and index), and per-query engine times."""
    lessons = {row["id"]: row for row in rows}
    times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="search-realtext-") as tmp:
        library = write_source_library(rows, Path(tmp) / "library", library_id="realtext")
        app = create_app({"DATA_DIR": str(Path(tmp) / "data"), "STARTER_LIBRARY": ""})
        with app.app_context():
            import_library(library, app.extensions["object_store"], ImportLimits.from_config(app.config))
            indexer = app.extensions["indexer"]

            def ours(text: str) -> list[str]:
                start = time.perf_counter()
                found = [hit.id for hit in search(indexer, text, snippets=False).ranked]
                times.append(time.perf_counter() - start)
                return found

            if latency:
                for q in queries:  # warm the caches the way a running server has them
                    ours(q["q"])
                times.clear()
            figures = evaluate(queries, ours, lessons)
            indexer.close()
    return figures, times


@contextmanager
def switched_off(name: str) -> Iterator[None]:
    """One mechanism off, for the ablation table."""
    saved = (dict(kazakh_stem.OPTIONS), dict(analysis.OPTIONS), dict(query.WEIGHTS), dict(query.OPTIONS))
    if name in kazakh_stem.OPTIONS:
        kazakh_stem.OPTIONS[name] = False
    elif name in analysis.OPTIONS:
        analysis.OPTIONS[name] = False
    elif name in query.OPTIONS:
        query.OPTIONS[name] = False
    _clear()
    try:
        yield
    finally:
        kazakh_stem.OPTIONS.update(saved[0])
        analysis.OPTIONS.update(saved[1])
        query.WEIGHTS.update(saved[2])
        query.OPTIONS.update(saved[3])
        _clear()


def _clear() -> None:
    kazakh_stem.clear_caches()
    analysis.clear_caches()


def ablations() -> tuple[str, ...]:
    """Every mechanism that can be switched off (none in code from before issue 18)."""
    return tuple(name for module in (kazakh_stem, analysis, query) for name in getattr(module, "OPTIONS", {}))


def summary(figures: dict) -> str:
    kinds = [*KINDS, "ru"]
    return "  ".join(f"{figures[k]['mrr']:.3f}" for k in kinds)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--ablate", action="store_true", help="also with each mechanism switched off")
    parser.add_argument("--latency", action="store_true", help="also time each query (engine, in-process)")
    args = parser.parse_args([] if argv is None else argv)
    rows, queries = load(args.corpus)
    print(f"{len(queries)} queries over {len(rows)} passages from {args.corpus}")
    base = evaluate(queries, baseline_ranker(rows), {row["id"]: row for row in rows})
    figures, times = run(rows, queries, latency=args.latency)
    print_table("baseline: plain Whoosh StandardAnalyzer BM25", base)
    print_table("contentserver search", figures)
    if args.latency:
        ms = sorted(t * 1000 for t in times)
        print(f"\nengine time per query: median {statistics.median(ms):.2f} ms, p95 {ms[int(len(ms) * 0.95)]:.2f} ms")
    if args.ablate:
        print(f"\nMRR@10 by kind: {' / '.join([*KINDS, 'ru'])}")
        print(f"  {'all mechanisms':<28}{summary(figures)}")
        for name in ablations():
            with switched_off(name):
                print(f"  {'without ' + name:<28}{summary(run(rows, queries)[0])}", flush=True)
    print(f"\nMRR@10 overall: {figures['overall']['mrr']:.3f}")
    return {f"mrr_{kind}": row["mrr"] for kind, row in figures.items()}


if __name__ == "__main__":
    main(sys.argv[1:])
