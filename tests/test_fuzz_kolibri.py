"""Property-based fuzzing of the Kolibri readers (channel database, app zips, Perseus items, mastery models):
whatever a drive holds, a ChannelError with a message or a clean read, never a crash. Follows
test_fuzz_parsers.py: a few examples in `make test`, thousands under `make fuzz`."""

from __future__ import annotations

import io
import json
import sqlite3
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from kolibri_maker import ChannelBuilder, writing

from contentserver.kolibri.appzip import MemberNotFound, check_zip, member_name, read_member
from contentserver.kolibri.channel import open_channel
from contentserver.kolibri.errors import ChannelError
from contentserver.kolibri.perseus import Mastery, convert_item, parse_mastery

pytestmark = pytest.mark.fuzz
BUDGET = settings(deadline=3000, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=12), inner, max_size=5),
    max_leaves=30,
)
SQL_VALUE = st.none() | st.integers(-(2**63), 2**63 - 1) | st.floats() | st.text(max_size=60) | st.binary(max_size=60)


def _template() -> tuple[bytes, list[str]]:
    """One small channel of schema 7, its bytes and node ids, built once."""
    with tempfile.TemporaryDirectory() as folder:
        builder = ChannelBuilder(Path(folder), channel_id="c" * 32)
        topic = builder.topic("Topic")
        builder.resource("video", "Video", topic, files=[("low_res_video", "mp4", b"v")])
        builder.resource("exercise", "Ex", topic, assessment={"assessment_item_ids": '["a"]', "mastery_model": "{}"})
        path = builder.write()
        return path.read_bytes(), [n["id"] for n in builder.nodes]


TEMPLATE, NODE_IDS = _template()
NODE_COLUMNS = ["parent_id", "kind", "title", "sort_order", "lft", "available", "license_name", "lang_id", "id"]


def _read_all(path: Path) -> None:
    try:
        with open_channel(path) as channel:
            for node in channel.nodes():
                assert isinstance(node.title, str) and isinstance(node.files, tuple)
    except ChannelError as exc:
        assert exc.message


@BUDGET
@given(st.binary(max_size=4096), st.booleans())
def test_any_bytes_as_a_channel_database_are_refused_clearly(raw, with_magic):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("c" * 32 + ".sqlite3")
        path.write_bytes((b"SQLite format 3\x00" if with_magic else b"") + raw)
        _read_all(path)


@BUDGET
@given(st.lists(st.tuples(st.integers(100, len(TEMPLATE) - 1), st.integers(0, 255)), min_size=1, max_size=20))
def test_a_damaged_channel_database_is_read_or_refused_clearly(flips):
    damaged = bytearray(TEMPLATE)
    for offset, value in flips:
        damaged[offset] = value
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("c" * 32 + ".sqlite3")
        path.write_bytes(bytes(damaged))
        _read_all(path)


@BUDGET
@given(st.sampled_from(NODE_IDS), st.sampled_from(NODE_COLUMNS), SQL_VALUE | st.sampled_from(NODE_IDS))
def test_any_value_in_any_node_column_is_read_or_refused_clearly(node_id, column, value):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / ("c" * 32 + ".sqlite3")
        path.write_bytes(TEMPLATE)
        with writing(path) as db:
            try:
                db.execute(f"UPDATE content_contentnode SET {column} = ? WHERE id = ?", (value, node_id))
            except sqlite3.IntegrityError:
                return  # the schema itself refuses it: no channel can hold it
        _read_all(path)


@BUDGET
@given(st.binary(max_size=2048), st.text(max_size=40))
def test_any_bytes_as_an_app_zip_are_refused_clearly(raw, member):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "app.zip"
        path.write_bytes(raw)
        try:
            check_zip(path)
            read_member(path, member)
        except ChannelError as exc:
            assert exc.message


@BUDGET
@given(st.dictionaries(st.text(min_size=1, max_size=30), st.binary(max_size=200), min_size=1, max_size=6))
def test_any_app_zip_members_are_checked_and_never_leave_the_archive(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            try:
                archive.writestr(name, data)
            except (ValueError, UnicodeEncodeError, IndexError):  # names zipfile itself cannot write
                return
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "app.zip"
        path.write_bytes(buffer.getvalue())
        try:
            check_zip(path)
        except ChannelError as exc:
            assert exc.message
            return
        for name in members:
            try:
                data, media_type = read_member(path, name)
            except ChannelError as exc:
                assert exc.message
            else:
                assert isinstance(data, bytes) and "/" in media_type


@BUDGET
@given(st.text(max_size=80))
def test_a_requested_member_name_is_safe_or_refused(requested):
    try:
        name = member_name(requested)
    except MemberNotFound:
        return
    parts = name.split("/")
    assert ".." not in parts and not name.startswith("/") and "\x00" not in name and "\\" not in name


@BUDGET
@given(JSON | st.binary(max_size=1024).map(lambda b: b.decode("latin-1")))
def test_any_perseus_item_is_converted_or_refused_clearly(value):
    raw = value if isinstance(value, str) else json.dumps(value)
    for document in (
        raw,
        json.dumps({"question": value}),
        json.dumps({"question": {"content": "[[☃ radio 1]]", "widgets": {"radio 1": value}}}),
    ):
        try:
            question = convert_item("fuzz", document)
        except ChannelError as exc:
            assert exc.message
        else:
            assert question.kind and (question.choices or question.answers)


@BUDGET
@given(JSON.map(json.dumps) | st.text(max_size=200))
def test_any_mastery_model_is_read_or_falls_back_with_a_note(raw):
    mastery = parse_mastery(raw)
    assert isinstance(mastery, Mastery) and mastery.model
    assert mastery.model != "do_all" or mastery.note or '"do_all"' in raw
