"""Writing many lessons in bounded memory and no temporary sort files: segments of a budget's size, merged streaming.

One Whoosh writer over a whole library holds every posting until its commit and spills them, pickled, into sorted
runs beside the index (7.3 GB for 100,000 lessons, ~30 times the index): on a Raspberry Pi's SD card those may not
fit. Here a segment is committed whenever the postings held reach the budget (before Whoosh would spill), and the
segments written are merged by reading their sorted posting lists side by side (each segment's docs keep their
order, so document numbers are those one writer would give). Whoosh 3.54's writer internals are used (pinned).
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Iterable, Iterator

from whoosh import index
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter

MB = 1024 * 1024
FAN_IN = 64  # segments merged at once (each keeps two files open while merging)


class BoundedWriter:
    """Adds, updates and deletes like one Whoosh writer, under a write lock the caller holds; commit() leaves the
    segments it wrote merged into one, after the segments that were there."""

    def __init__(self, ix: index.Index, budget_mb: float):
        self.ix, self.budget = ix, budget_mb * MB  # postings held in memory (Whoosh's estimate) per segment
        self.small: list[str] = []  # segments of one budget each, not merged yet
        self.merged: list[str] = []  # each merged from FAN_IN small ones; all in the index's order
        self.writer = self._open()

    def _open(self) -> SegmentWriter:
        # twice the budget: a lesson that alone passes what is left of it still does not spill to disk
        writer = self.ix.writer(_lk=False, limitmb=2 * self.budget / MB, compound=False)
        assert isinstance(writer, SegmentWriter)  # a file index's writer (procs=1)
        return writer

    def _full(self) -> None:
        if self.writer.pool.currentsize >= self.budget:
            self._commit_segment()
            if len(self.small) == FAN_IN:
                self.merged.append(merge(self.ix, self.small))
                self.small = []
            self.writer = self._open()

    def _commit_segment(self) -> None:
        added = self.writer._added
        self.writer.commit(merge=False)
        if added:
            self.small.append(self.writer.newsegment.segment_id())

    def add_document(self, **doc) -> None:
        self.writer.add_document(**doc)
        self._full()

    def update_document(self, **doc) -> None:
        self.writer.update_document(**doc)
        self._full()

    def delete_by_term(self, field: str, text: str) -> None:
        self.writer.delete_by_term(field, text)

    def cancel(self) -> None:
        if not self.writer.is_closed:  # (it is when a segment's commit or a merge failed)
            self.writer.cancel()

    def commit(self) -> None:
        if not self.small and not self.merged:  # it all fit in one segment: Whoosh's policy merges small ones
            self.writer.commit()
            return
        self._commit_segment()
        names = self.merged + self.small
        while len(names) > 1:
            names = [merge(self.ix, names[i : i + FAN_IN]) for i in range(0, len(names), FAN_IN)]


def write(ix: index.Index, documents: Iterable[tuple[str, dict | None]], replace: bool, budget_mb: float) -> None:
    """Index (id, document) pairs, deleting the ids whose document is None, in segments of the budget's size. Each
    segment is committed as it fills, so a kill keeps the lessons written before it."""
    writer = BoundedWriter(ix, budget_mb)
    try:
        for lesson_id, doc in documents:
            if doc is None:
                writer.delete_by_term("id", lesson_id)
            elif replace:
                writer.update_document(**doc)
            else:
                writer.add_document(**doc)
    except BaseException:
        writer.cancel()
        raise
    writer.commit()


def _terms(reader: SegmentReader, n: int) -> Iterator[tuple[str, bytes, int]]:
    for fieldname, text in reader.all_terms():
        yield fieldname, text, n


def _postings(sources: list[tuple[SegmentReader, int, dict[int, int] | None]]) -> Iterator[tuple]:
    """The segments' postings in (field, term, docnum) order, each numbered from its base (deleted documents left
    out): only the terms are merged; a term's lists follow each other in segment order, as their documents do."""
    terms = heapq.merge(*(_terms(reader, n) for n, (reader, _, _) in enumerate(sources)))
    for (fieldname, text), group in itertools.groupby(terms, key=lambda term: term[:2]):
        for _, _, n in group:
            reader, base, docmap = sources[n]
            matcher = reader.postings(fieldname, text)
            while matcher.is_active():
                docnum = matcher.id()
                if docmap is None or docnum in docmap:
                    yield (
                        fieldname,
                        text,
                        base + docnum if docmap is None else docmap[docnum],
                        matcher.weight(),
                        matcher.value(),
                    )
                matcher.next()


def merge(ix: index.Index, names: list[str]) -> str:
    """Merge these segments (consecutive in the index) into one in their place, reading each once: memory and disk
    stay at one segment's worth. Returns the new segment's id."""
    if len(names) == 1:
        return names[0]
    writer = ix.writer(_lk=False, compound=False)
    assert isinstance(writer, SegmentWriter)  # a file index's writer (procs=1)
    readers: list[SegmentReader] = []
    try:
        positions = [i for i, s in enumerate(writer.segments) if s.segment_id() in names]
        sources, totals = [], writer.perdocwriter._fieldlengths
        for i in positions:
            with SegmentReader(writer.storage, writer.schema, writer.segments[i]) as reader:  # its column files
                base, before = writer.docnum, dict(totals)
                docmap = writer.write_per_doc(set(writer.schema.names()) | set(reader.indexed_field_names()), reader)
                if docmap is None:  # nothing deleted: exact field totals (the lengths copied are rounded)
                    for field in writer.schema.scorable_names():
                        totals[field] = before.get(field, 0) + reader.field_length(field)
            readers.append(SegmentReader(writer.storage, writer.schema, writer.segments[i]))  # two files open
            sources.append((readers[-1], base, docmap))
        writer.perdocwriter.close()
        lengths = writer.per_document_reader()
        try:
            writer.fieldwriter.add_postings(writer.schema, lengths, _postings(sources))
        finally:
            lengths.close()
        writer._close_segment()
        merged = writer.get_segment()
        kept = [s for i, s in enumerate(writer.segments) if i not in positions]
        kept.insert(positions[0], merged)
        writer._commit_toc(kept)
    except BaseException:
        writer.cancel()
        raise
    finally:
        for reader in readers:
            reader.close()
    writer._finish()
    return merged.segment_id()
