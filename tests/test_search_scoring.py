"""The block scorer gives Whoosh's own BM25F scores, across segments, filters and deleted documents."""

from __future__ import annotations

import pytest
from whoosh.fields import ID, TEXT, Schema
from whoosh.filedb.filestore import RamStorage
from whoosh.formats import Frequency
from whoosh.query import Or, Term

from contentserver.search.scoring import Ranker

TEXTS = [
    "water cycle water",
    "the water of the steppe",
    "wind energy and water",
    "steppe wind",
    "rivers carry water to the sea and the sea gives water back",
    "energy",
]


def _index(segments: int):
    schema = Schema(id=ID(stored=True), body=TEXT(phrase=False), title=TEXT(phrase=False))
    for name in ("body", "title"):
        schema[name].format = Frequency()
    ix = RamStorage().create_index(schema)
    per_segment = -(-len(TEXTS) // segments)
    for start in range(0, len(TEXTS), per_segment):
        with ix.writer() as writer:
            for n in range(start, min(start + per_segment, len(TEXTS))):
                writer.add_document(id=str(n), body=TEXTS[n], title=TEXTS[n].split()[0])
    return ix


def _whoosh(searcher, terms: dict) -> dict[int, float]:
    query = Or([Term(f, t, boost=w) for (f, t), w in terms.items()])
    return {hit.docnum: hit.score for hit in searcher.search(query, limit=None)}


TERMS = {("body", "water"): 1.5, ("body", "steppe"): 1.0, ("title", "wind"): 3.0, ("body", "energy"): 0.5}


@pytest.mark.parametrize("segments", [1, 3])
def test_scores_are_whooshs_bm25f(segments):
    with _index(segments).searcher() as searcher:
        expected = _whoosh(searcher, TERMS)
        top, timed_out = Ranker(searcher).top(TERMS, limit=10)
    assert not timed_out
    assert [doc for doc, _ in top] == sorted(expected, key=lambda d: (-expected[d], d))
    assert all(score == pytest.approx(expected[doc], rel=1e-6) for doc, score in top)


def test_deleted_documents_and_filters_are_left_out():
    ix = _index(2)
    with ix.writer() as writer:
        writer.delete_by_term("id", "0")
    with ix.searcher() as searcher:
        ranker = Ranker(searcher)
        found = {searcher.stored_fields(doc)["id"] for doc, _ in ranker.top(TERMS, limit=10)[0]}
        assert "0" not in found and {"1", "2", "4"} <= found
        allowed = ranker.docs([("body", "steppe")])
        filtered = {searcher.stored_fields(doc)["id"] for doc, _ in ranker.top(TERMS, 10, allowed)[0]}
    assert filtered == {"1", "3"}


def test_only_the_best_are_kept_best_first():
    with _index(1).searcher() as searcher:
        top, _ = Ranker(searcher).top(TERMS, limit=2)
        scores = _whoosh(searcher, TERMS)
    assert [doc for doc, _ in top] == sorted(scores, key=lambda d: (-scores[d], d))[:2]
