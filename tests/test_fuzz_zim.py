"""Property-based fuzzing of the ZIM reader: whatever a damaged book holds, a ManifestError at import, or a book
that opens and whose every page is served, missing (404) or skipped by the indexer, never a crash. Follows
test_fuzz_parsers.py: a few examples in `make test`, thousands under `make fuzz`."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from libmaker import SHARED

from contentserver.books.entries import Content, Redirect, read_entry
from contentserver.books.textindex import _document
from contentserver.errors import NotFound
from contentserver.library.fields import ManifestError
from contentserver.library.zimfile import inspect, open_archive

pytestmark = pytest.mark.fuzz
BUDGET = settings(deadline=5000, suppress_health_check=[HealthCheck.too_slow])
ZIMS = [SHARED / "zim" / "zimfile.zim", SHARED / "zim" / "example.zim"]
# (where, as a fraction of the file; the new byte)
CHANGES = st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=24)


def _damaged(original: Path, changes: list[tuple[float, int]], keep: float) -> Path:
    data = bytearray(original.read_bytes())
    for where, value in changes:
        data[int(where * len(data))] = value
    path = Path(tempfile.mkdtemp()) / "book.zim"
    path.write_bytes(bytes(data[: max(1, int(keep * len(data)))]))
    return path


def _read_everything(path: Path) -> None:
    """What the server and the indexer do with a book that was accepted: every entry, by path and by number."""
    archive = open_archive(path)
    for entry_id in range(min(archive.entry_count, 400)):
        _document(archive, entry_id, "en", "")
        try:
            entry_path = archive._get_entry_by_id(entry_id).path
        except (RuntimeError, UnicodeError):
            continue  # a name the indexer skips and no URL can reach
        try:
            assert isinstance(read_entry(archive, "0" * 64, entry_path), Content | Redirect)
        except NotFound:
            pass


@BUDGET
@given(st.sampled_from(ZIMS), CHANGES, st.sampled_from([1.0, 1.0, 0.999, 0.9, 0.5, 0.01]))
def test_a_damaged_zim_is_refused_clearly_or_read_entry_by_entry(original, changes, keep):
    path = _damaged(original, changes, keep)
    try:
        inspect(path, "book.zim", "book")
    except ManifestError as refused:
        assert "book.zim" in str(refused)
        return
    _read_everything(path)


@pytest.mark.parametrize("offset", [212, 300, 364])
def test_names_that_are_not_utf8_are_refused_not_raised(offset):
    """Found by the fuzzer: a byte of 0xF8 in the pointer list before the directory made libzim raise
    UnicodeDecodeError out of Archive(), which the importer did not expect."""
    data = bytearray(ZIMS[0].read_bytes())
    data[offset] = 0xF8
    path = Path(tempfile.mkdtemp()) / "book.zim"
    path.write_bytes(bytes(data))
    with pytest.raises(ManifestError, match="book.zim"):
        inspect(path, "book.zim", "book")
