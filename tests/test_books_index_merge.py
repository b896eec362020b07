"""A book's index built batch by batch, its batch segments merged streaming: the same postings as one big batch."""

from __future__ import annotations

from itertools import pairwise

from libzim.reader import Archive
from whoosh import index
from zims import RAY

from contentserver.books import textindex


def build(folder, batch: int) -> list[int]:
    """Index RAY in batches of `batch` entries; the segment count after each batch."""
    archive, upto, counts = Archive(str(RAY)), 0, []
    while upto < archive.entry_count:
        upto = textindex.index_batch(folder, archive, upto, "en", "", batch=batch)
        counts.append(len(index.open_dir(str(folder))._segments()))
    return counts


def contents(folder) -> tuple[list, dict, list]:
    """Stored documents in order, field length totals, and every posting as (field, term, stored id, weight)."""
    ix = index.open_dir(str(folder))
    with ix.reader() as reader:
        ids = [fields["id"] for _docnum, fields in reader.iter_docs()]
        lengths = {name: reader.field_length(name) for name in ix.schema.scorable_names()}
        postings = []
        for fieldname, text in reader.all_terms():
            matcher = reader.postings(fieldname, text)
            while matcher.is_active():
                postings.append((fieldname, text, ids[matcher.id()], matcher.weight()))
                matcher.next()
    return ids, lengths, postings


def test_small_batches_merge_into_one_segment_with_the_same_postings(tmp_path):
    counts = build(tmp_path / "small", 10)  # RAY has 371 entries: 38 batches
    assert 1 < counts[-1] <= 4, "the finished book: the merged groups of batches and its last batches merged"
    # batch segments are merged as they pile up: never more than SMALL_SEGMENTS of them, and merged ones are few
    assert any(after < before for before, after in pairwise(counts[:-1])), "no merge before the end"
    assert max(counts) <= textindex.SMALL_SEGMENTS + 2
    build(tmp_path / "whole", 1000)
    small, whole = contents(tmp_path / "small"), contents(tmp_path / "whole")
    assert small[0] == whole[0] and len(small[0]) > 250
    assert small[1] == whole[1]
    assert small[2] == whole[2] and len(small[2]) > 10_000


def test_a_batch_repeated_after_a_kill_leaves_no_duplicate_after_the_merge(tmp_path):
    archive = Archive(str(RAY))
    folder = tmp_path / "ix"
    upto = 0
    for _ in range(3):
        upto = textindex.index_batch(folder, archive, upto, "en", "", batch=50)
    textindex.index_batch(folder, archive, 100, "en", "", batch=50)  # the third batch again, as after a kill
    while upto < archive.entry_count:
        upto = textindex.index_batch(folder, archive, upto, "en", "", batch=50)
    ix = index.open_dir(str(folder))
    assert len(ix._segments()) == 1  # 9 batch segments (one repeated), merged at the end
    with ix.searcher() as searcher:
        ids = [fields["id"] for fields in searcher.all_stored_fields()]
    assert len(ids) == len(set(ids)) and ix.doc_count() == ix.doc_count_all()
