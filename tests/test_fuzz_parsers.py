"""Property-based fuzzing of every reader of outside input: whatever the bytes, a clear refusal, never a crash.

A few examples each run in `make test`; `make fuzz` (HYPOTHESIS_PROFILE=fuzz) runs thousands. The per-example
deadline is the time budget: a reader that went quadratic on some input fails here.
"""

from __future__ import annotations

import gzip
import io
import json
import tempfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from libmaker import build_manifest, sample_lessons

from contentserver.library.format import ManifestError, parse_manifest
from contentserver.library.hubformat import HEAD_DICTIONARY, HEAD_WBITS, parse_head, parse_index
from contentserver.library.hubpack import read_pack, read_records
from contentserver.library.source import read_source

pytestmark = pytest.mark.fuzz
BUDGET = settings(deadline=2000, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
MAX_LESSONS = 100
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=30,
)
VALID = build_manifest(sample_lessons(), "fuzz-lib", 3, "Fuzz library")


def _paths(value: Any, prefix: tuple = ()) -> list[tuple]:
    """Every place in a JSON document a fuzzer may replace."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


PLACES = _paths(VALID)[1:]


def _replaced(document: Any, path: tuple, value: Any) -> Any:
    copy = json.loads(json.dumps(document))
    target = copy
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copy


@BUDGET
@given(st.binary(max_size=4096))
def test_any_bytes_as_a_manifest_are_refused_with_a_manifest_error(raw):
    with pytest.raises(ManifestError):
        parse_manifest(raw, MAX_LESSONS)


@BUDGET
@given(st.sampled_from(PLACES), JSON)
def test_a_valid_manifest_with_any_field_replaced_parses_or_is_refused_clearly(place, value):
    raw = json.dumps(_replaced(VALID, place, value)).encode()
    try:
        manifest = parse_manifest(raw, MAX_LESSONS)
    except ManifestError as exc:
        assert str(exc)
    else:
        assert manifest.library_id


@BUDGET
@given(st.binary(max_size=2048) | JSON.map(lambda value: json.dumps(value).encode()))
def test_any_head_message_is_refused_clearly(payload):
    deflate = zlib.compressobj(wbits=HEAD_WBITS, zdict=HEAD_DICTIONARY)
    for message in (payload, deflate.compress(payload) + deflate.flush()):
        try:
            parse_head(message, 1 << 20)
        except ManifestError as exc:
            assert str(exc)


@BUDGET
@given(JSON)
def test_any_index_is_refused_clearly_or_read(value):
    document = {"format": "contentserver-hub-index", "format_version": 3, "library_id": "a", "version": 1}
    if isinstance(value, dict):
        document.update(value)
    try:
        parse_index(json.dumps(document).encode(), 1 << 20, "index.json")
    except ManifestError as exc:
        assert str(exc)


RECORD_LINE = st.tuples(st.text("0123456789abcdef", min_size=0, max_size=64), st.integers(-5, 300)).map(
    lambda pair: f"{pair[0]} {pair[1]}\n".encode()
)


@BUDGET
@given(st.lists(RECORD_LINE | st.binary(max_size=200), max_size=6), st.booleans())
def test_any_pack_is_refused_clearly_or_yields_only_what_was_expected(parts, zipped):
    raw = b"".join(parts)
    expected = {"0" * 64: 3}
    stream = io.BytesIO(gzip.compress(raw) if zipped else raw)
    reader = read_pack(stream, expected, "pack") if zipped else read_records(stream, expected, "pack")
    try:
        for sha, size, window in reader:
            assert expected.get(sha) == size
            assert len(window.read()) <= size
    except ManifestError as exc:
        assert str(exc)


@BUDGET
@given(st.text(max_size=600), st.text(max_size=200))
def test_any_source_lesson_file_is_refused_clearly_or_read(front_matter, body):
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "library.toml").write_text('library_id = "fuzz"\ntitle = "Fuzz"\nversion = 1\n', "utf-8")
        lesson = root / "fuzz-one"
        lesson.mkdir(parents=True)
        (lesson / "lesson.md").write_text(f"+++\n{front_matter}\n+++\n{body}", "utf-8")
        try:
            read_source(root, MAX_LESSONS)
        except ManifestError as exc:
            assert str(exc)
