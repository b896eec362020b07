"""BM25F over whole posting blocks: Whoosh's matcher tree makes ~20 Python calls per posting, this is one loop.

Scores are Whoosh's own BM25F (same idf, B, K1 and field statistics), so rankings do not change; only the way
they are added up does (8 µs → under 0.5 µs a posting on the 20,000-lesson library).
"""

from __future__ import annotations

import heapq
import math
import threading
import time
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate
from operator import itemgetter

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, W3TermInfo, _lenfield
from whoosh.matching import ListMatcher, Matcher
from whoosh.reading import IndexReader, SegmentReader, TermNotFound
from whoosh.searching import Searcher
from whoosh.util.numeric import byte_to_length

B, K1 = 0.75, 1.2  # whoosh.scoring.BM25F's defaults
EXPANSIONS_KEPT = 512  # a word's fuzzy or prefix terms, per snapshot: students repeat their typos and prefixes
TERMS_KEPT = 4096  # term dictionary entries, per snapshot (~0.3 KB each): a search looks each term up 3-4 times
Terms = dict[tuple[str, str], float]  # (field, text) -> weight


def _blocks(matcher: Matcher) -> Iterator[tuple[Sequence[int], Sequence[float]]]:
    """The (ids, weights) of a posting list, a block at a time (whoosh3 3.54's block reader, pinned)."""
    if isinstance(matcher, W3LeafMatcher):
        while matcher.is_active():
            matcher._read_data()  # the block's pickled (id gaps, weights, …); Whoosh undoes the gaps in a generator
            data = matcher._data
            assert data is not None  # just read
            gaps, weights = data[0], data[1]
            if weights is None or isinstance(weights, float):  # every posting weighs the same
                weights = [1.0 if weights is None else weights] * len(gaps)
            yield list(accumulate(gaps)), weights
            matcher._next_block()
    elif isinstance(matcher, ListMatcher):  # a short list inlined in the term dictionary
        ids = matcher._ids
        yield ids, matcher._weights or [1.0] * len(ids)
    else:
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        yield ids, weights


class SnapshotSearcher(Searcher):
    """Whoosh's searcher of one index snapshot, carrying the key that names the snapshot for caches and its Ranker
    (set by the indexer when it opens the snapshot)."""

    snapshot_key: tuple[str, int]
    ranker: Ranker


def _segment(reader: IndexReader) -> SegmentReader:
    assert isinstance(reader, SegmentReader)  # a leaf holding documents of a file index
    return reader


class Ranker:
    """Scoring state of one index snapshot: each segment's field lengths, read once, and the term expansions
    asked last; one reader at a time (Whoosh's files are read with seek + read)."""

    def __init__(self, searcher: Searcher):
        self.searcher = searcher
        self.leaves: list[tuple[SegmentReader, int]] = [  # an empty index has one leaf without documents or terms
            (_segment(s.reader()), offset) for s, offset in searcher.leaf_searchers() if s.reader().doc_count_all()
        ]
        self.doc_count = max(1, searcher.doc_count_all())
        self._offsets = [offset for _reader, offset in self.leaves]
        self._dropped: set[int] | None = None
        self.lock = threading.RLock()
        self._lengths: dict[tuple[int, str], bytes] = {}
        self._norms: dict[str, list[float]] = {}
        self._expansions: OrderedDict[tuple, list[str]] = OrderedDict()
        self._infos: OrderedDict[tuple[str, str], tuple[tuple[int, W3TermInfo], ...]] = OrderedDict()

    def remember(self, key: tuple, expand: Callable[[], list[str]]) -> list[str]:
        """expand() of this snapshot, remembered for the last EXPANSIONS_KEPT keys."""
        if key in self._expansions:
            self._expansions.move_to_end(key)
        else:
            self._expansions[key] = expand()
            if len(self._expansions) > EXPANSIONS_KEPT:
                self._expansions.popitem(last=False)
        return self._expansions[key]

    def _field_lengths(self, leaf: int, reader: SegmentReader, fieldname: str) -> bytes:
        """Each document's length byte in this field (the column Whoosh reads one document at a time)."""
        key = (leaf, fieldname)
        if key not in self._lengths:
            column = reader._perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            data = column._dbfile.get(column._basepos, column._count) if column is not None else b""
            self._lengths[key] = data + bytes(reader.doc_count_all() - len(data))
        return self._lengths[key]

    def _norm(self, fieldname: str) -> list[float]:
        """BM25's length normalisation for every possible length byte of a field."""
        if fieldname not in self._norms:
            average = self.searcher.field_length(fieldname) / self.doc_count or 1
            self._norms[fieldname] = [K1 * ((1 - B) + B * byte_to_length(b) / average) for b in range(256)]
        return self._norms[fieldname]

    def _term_infos(self, fieldname: str, text: str) -> tuple[tuple[int, W3TermInfo], ...]:
        """Each segment's dictionary entry for a term, (segment, entry) for those holding it: one hashed
        look-up on disk for the last TERMS_KEPT terms instead of one per question asked of the term."""
        key = (fieldname, text)
        found = self._infos.get(key)
        if found is not None:
            self._infos.move_to_end(key)
            return found
        entries = []
        for leaf, (reader, _offset) in enumerate(self.leaves):
            try:
                entries.append((leaf, reader._terms.term_info(fieldname, reader._text_to_bytes(fieldname, text))))
            except TermNotFound:
                continue
        found = self._infos[key] = tuple(entries)
        if len(self._infos) > TERMS_KEPT:
            self._infos.popitem(last=False)
        return found

    def doc_frequency(self, fieldname: str, text: str) -> int:
        """Documents holding the term, deleted ones included (as Whoosh counts them for idf)."""
        return sum(info.doc_frequency() for _leaf, info in self._term_infos(fieldname, text))

    def _postings(self, fieldname: str, text: str) -> Iterator[tuple[int, SegmentReader, int, Matcher]]:
        """Each segment's postings of a term, deleted documents included (they are dropped at the end)."""
        for leaf, info in self._term_infos(fieldname, text):
            reader, offset = self.leaves[leaf]
            terms = reader._terms
            yield (
                leaf,
                reader,
                offset,
                terms._codec.postings_reader(terms._postfile, info, reader.schema[fieldname].format),
            )

    def stored(self, docnum: int) -> dict:
        """A document's stored fields, read straight from its segment (Whoosh's reader copies them through the
        schema first: a third of the time of the 100 candidates of a search)."""
        reader, offset = self.leaves[bisect_right(self._offsets, docnum) - 1]
        return reader._perdoc.stored_fields(docnum - offset)

    def dropped(self) -> set[int]:
        """Deleted documents of this snapshot (a changed lesson is deleted and added again), read once."""
        if self._dropped is None:
            self._dropped = {offset + d for reader, offset in self.leaves for d in reader.deleted_docs_set}
        return self._dropped

    def term_docs(self, fieldname: str, text: str) -> Iterator[int]:
        """The live documents holding one term, in order (Whoosh's docs_for_query builds a query and a matcher
        tree for it)."""
        dropped = self.dropped()
        for _leaf, _reader, offset, matcher in self._postings(fieldname, text):
            for ids, _weights in _blocks(matcher):
                yield from (offset + d for d in ids if offset + d not in dropped)

    def docs(self, terms: Iterable[tuple[str, str]]) -> set[int]:
        """Documents holding every one of these terms (filters)."""
        found: set[int] | None = None
        for fieldname, text in terms:
            docs = {
                offset + d
                for _leaf, _reader, offset, matcher in self._postings(fieldname, text)
                for ids, _weights in _blocks(matcher)
                for d in ids
            }
            found = docs if found is None else found & docs
        return found or set()

    def top(
        self, terms: Terms, limit: int, allowed: set[int] | None = None, budget: float = 2.0
    ) -> tuple[list[tuple[int, float]], bool]:
        """The `limit` best (document, score) pairs, best first (ties: lower document first), and whether the
        time budget ran out before every term was scored."""
        deadline = time.monotonic() + budget
        scores: dict[int, float] = {}
        get = scores.get
        timed_out = False
        for (fieldname, text), weight in terms.items():
            if time.monotonic() > deadline:
                timed_out = True
                break
            idf = math.log(self.doc_count / (self.doc_frequency(fieldname, text) + 1)) + 1
            scale, norm = weight * idf * (K1 + 1), self._norm(fieldname)
            for leaf, reader, offset, matcher in self._postings(fieldname, text):
                lengths = self._field_lengths(leaf, reader, fieldname)
                for ids, weights in _blocks(matcher):
                    for d, w in zip(ids, weights):
                        doc = offset + d
                        scores[doc] = get(doc, 0.0) + scale * w / (w + norm[lengths[d]])
        dropped = self.dropped()
        if dropped or allowed is not None:
            for doc in [doc for doc in scores if doc in dropped or (allowed is not None and doc not in allowed)]:
                del scores[doc]
        return _best(scores, limit), timed_out


def _best(scores: dict[int, float], limit: int) -> list[tuple[int, float]]:
    """The `limit` best (document, score) pairs: higher score first, on a tie the lower document (Whoosh's
    order). Picked by score alone (a C key), unless a tie straddles the cut, which needs the two-part key."""
    top = heapq.nlargest(limit + 1, scores.items(), key=itemgetter(1))
    if len(top) > limit and top[limit][1] == top[limit - 1][1]:
        return heapq.nlargest(limit, scores.items(), key=_best_first)
    return sorted(top[:limit], key=_best_first, reverse=True)


def _best_first(item: tuple[int, float]) -> tuple[float, int]:
    return item[1], -item[0]
