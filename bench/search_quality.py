"""Search quality on the shared corpus: MRR@10, recall@10 per query kind, language-first share; vs plain BM25.

python -m bench.search_quality [--queries PATH]   (last line: "MRR@10 overall: X.XX")
python -m bench.search_quality --corpus DIR: the real-text passages instead (bench/search_realtext.py)
bench/search_queries_heldout.jsonl: 57 more queries written apart from the dev set, to check that it generalizes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from whoosh.analysis import StandardAnalyzer
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.qparser import MultifieldParser, OrGroup

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.search_corpus import LESSONS, QUERIES, read_jsonl, write_source_library
from contentserver import create_app
from contentserver.library.importer import ImportLimits, import_library
from contentserver.search.engine import search

K = 10
Ranker = Callable[[str], list[str]]  # query text -> lesson ids, best first


def evaluate(queries: list[dict], rank: Ranker, lessons: dict[str, dict]) -> dict[str, dict[str, float]]:
    """Per kind and overall: MRR@10 and recall@10 over collapsed topics, and the language-first share."""
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for q in queries:
        ids = rank(q["q"])
        topics = list(dict.fromkeys(lessons[i]["topic"] for i in ids if i in lessons))[:K]
        relevant = set(q["relevant"])
        rr = next((1 / (n + 1) for n, t in enumerate(topics) if t in relevant), 0.0)
        recall = len(relevant & set(topics)) / len(relevant)
        first = next((lessons[i] for i in ids if i in lessons and lessons[i]["topic"] in relevant), None)
        lang_first = 1.0 if first is not None and first["lang"] == q["lang"] else 0.0
        for kind in (q["kind"], "overall"):
            row = sums[kind]
            row["n"] += 1
            row["mrr"] += rr
            row["recall"] += recall
            row["lang_first"] += lang_first
    return {
        kind: {m: row[m] / row["n"] for m in ("mrr", "recall", "lang_first")} | {"n": row["n"]}
        for kind, row in sums.items()
    }


def print_table(name: str, figures: dict[str, dict[str, float]]) -> None:
    print(f"\n{name}")
    print(f"  {'kind':<14}{'n':>4}{'MRR@10':>9}{'recall@10':>11}{'lang-first':>12}")
    for kind in sorted(figures, key=lambda k: (k == "overall", k)):
        row = figures[kind]
        print(f"  {kind:<14}{int(row['n']):>4}{row['mrr']:>9.3f}{row['recall']:>11.3f}{row['lang_first']:>12.3f}")


def baseline_ranker(rows: list[dict]) -> Ranker:
    """Plain BM25 over Whoosh's StandardAnalyzer (lowercase words, English stopwords), title and body."""
    schema = Schema(id=ID(stored=True), title=TEXT(analyzer=StandardAnalyzer()), body=TEXT(analyzer=StandardAnalyzer()))
    ix = RamStorage().create_index(schema)
    with ix.writer() as writer:
        for row in rows:
            writer.add_document(id=row["id"], title=row["title"], body=row["body"])
    parser = MultifieldParser(["title", "body"], schema, group=OrGroup)

    def rank(text: str) -> list[str]:
        with ix.searcher() as searcher:
            return [hit["id"] for hit in searcher.search(parser.parse(text), limit=50)]

    return rank


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=Path, default=QUERIES, help="queries JSONL (default: the dev set)")
    parser.add_argument("--corpus", type=Path, help="a real-text corpus folder (bench/data/realtext)")
    args, rest = parser.parse_known_args([] if argv is None else argv)  # python -m bench calls main() bare
    if args.corpus is not None:
        from bench import search_realtext

        return search_realtext.main(["--corpus", str(args.corpus), *rest])
    rows = read_jsonl(LESSONS)
    queries = read_jsonl(args.queries)
    lessons = {row["id"]: row for row in rows}
    with tempfile.TemporaryDirectory(prefix="search-quality-") as tmp:
        library = write_source_library(rows, Path(tmp) / "library")
        app = create_app({"DATA_DIR": str(Path(tmp) / "data"), "STARTER_LIBRARY": ""})
        with app.app_context():
            import_library(library, app.extensions["object_store"], ImportLimits.from_config(app.config))
            indexer = app.extensions["indexer"]

            def ours(text: str) -> list[str]:
                return [hit.id for hit in search(indexer, text, snippets=False).ranked]

            figures = evaluate(queries, ours, lessons)
            indexer.close()
    base = evaluate(queries, baseline_ranker(rows), lessons)
    print(f"{len(queries)} queries from {args.queries}, {len(rows)} lessons")
    print_table("baseline: plain Whoosh StandardAnalyzer BM25", base)
    print_table("contentserver search", figures)
    print(f"\nbaseline MRR@10 overall: {base['overall']['mrr']:.2f}")
    print(f"language-first overall: {figures['overall']['lang_first']:.2f}")
    print(f"MRR@10 overall: {figures['overall']['mrr']:.2f}")
    return {
        "mrr_at_10": figures["overall"]["mrr"],
        "recall_at_10": figures["overall"]["recall"],
        "language_first": figures["overall"]["lang_first"],
        "baseline_mrr_at_10": base["overall"]["mrr"],
    }


if __name__ == "__main__":
    main(sys.argv[1:])
