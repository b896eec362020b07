"""The Kolibri channel reader over Kolibri's own schema of every version, and its refusals (issue 17)."""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
from pathlib import Path

import pytest
from kolibri_maker import VERSIONS, ChannelBuilder, fixture_channel, writing
from libmaker import xss_vectors

from contentserver.errors import AppError
from contentserver.kolibri.channel import ChannelError, channel_databases, open_channel

FIXTURE_ORDER = ["root", "c1", "c2", "c2c1", "c2c2", "c2c3", "no_license"]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("version", list(VERSIONS))
def test_kolibri_fixture_of_every_schema_version_reads_as_one_tree(tmp_path, version):
    db_path = fixture_channel(tmp_path, version)
    before = _digest(db_path)
    with open_channel(db_path) as channel:
        nodes = list(channel.nodes())
        assert channel.info.name == "testing"
        assert channel.info.root_id == "da7ecc42e62553eebc8121242746e88a"
    assert [n.title for n in nodes] == FIXTURE_ORDER
    assert [n.depth for n in nodes] == [0, 1, 1, 2, 2, 2, 1]
    by_title = {n.title: n for n in nodes}
    assert by_title["c1"].kind == "video" and by_title["c1"].license_name == "WTFPL"
    assert by_title["c2c2"].license_name == "GNU"
    assert by_title["c2c1"].path == (by_title["root"].id, by_title["c2"].id)
    assert {f.preset for f in by_title["c1"].files} == {"high_res_video", "low_res_video"}
    assert all(f.extension == "mp4" and len(f.checksum) == 32 for f in by_title["c1"].files)
    assert by_title["root"].tags == ("tag_1", "tag_2", "tag_3")
    assert _digest(db_path) == before
    assert sorted(p.name for p in db_path.parent.iterdir()) == [db_path.name]  # no journal, no WAL: read-only


@pytest.mark.parametrize("version", ["v0.4.0-beta3", "3", "7"])
def test_file_sizes_licences_and_languages_come_from_whichever_columns_exist(tmp_path, version):
    builder = ChannelBuilder(tmp_path, version=version)
    topic = builder.topic("Физика")
    builder.resource(
        "video",
        "Судың үш күйі",
        topic,
        files=[("low_res_video", "mp4", b"x" * 1234), ("video_subtitle", "vtt", b"WEBVTT\n", "kk")],
        author="Айгүл",
        license_name="CC BY-SA",
        license_owner="Mektep",
    )
    with open_channel(builder.write()) as channel:
        video = next(channel.resources())
    assert video.title == "Судың үш күйі" and video.author == "Айгүл" and video.license_name == "CC BY-SA"
    assert video.license_owner == "Mektep"
    assert [(f.preset, f.extension, f.size, f.lang) for f in video.files] == [
        ("low_res_video", "mp4", 1234, None),
        ("video_subtitle", "vtt", 7, "kk"),
    ]
    assert video.files[1].is_subtitle and not video.files[0].is_subtitle


def test_newer_columns_are_kept_when_present_and_absent_otherwise(tmp_path):
    new = ChannelBuilder(tmp_path / "new", version="7")
    new.resource("document", "Doc", grade_levels='{"upper_primary": true}', duration=60)
    old = ChannelBuilder(tmp_path / "old", version="3")
    old.resource("document", "Doc", grade_levels='{"upper_primary": true}', duration=60)
    with open_channel(new.write()) as channel:
        assert next(channel.resources()).extras == {
            "grade_levels": '{"upper_primary": true}',
            "duration": 60,
            "options": "{}",
        }
    with open_channel(old.write()) as channel:
        assert next(channel.resources()).extras == {}  # schema 3 predates options (4) and grade_levels (5)


def test_siblings_follow_sort_order_then_lft(tmp_path):
    builder = ChannelBuilder(tmp_path)
    builder.resource("document", "third", sort_order=3.0)
    builder.resource("document", "first", sort_order=1.0)
    builder.resource("document", "second", sort_order=2.0)
    builder.resource("document", "unsorted", sort_order=None)
    with open_channel(builder.write()) as channel:
        assert [n.title for n in channel.resources()] == ["first", "second", "third", "unsorted"]


def test_a_file_that_is_not_sqlite_is_refused_clearly(tmp_path):
    bogus = tmp_path / "content" / "databases" / ("a" * 32 + ".sqlite3")
    bogus.parent.mkdir(parents=True)
    bogus.write_text("this is a text file, not a database\n" * 10)
    with pytest.raises(ChannelError, match="is not a SQLite database") as caught:
        open_channel(bogus)
    assert isinstance(caught.value, AppError) and caught.value.status == 422
    assert str(bogus) in caught.value.message
    (tmp_path / "empty.sqlite3").write_bytes(b"")
    with pytest.raises(ChannelError, match="is not a SQLite database"):
        open_channel(tmp_path / "empty.sqlite3")


def test_a_sqlite_file_without_the_channel_tables_is_refused_clearly(tmp_path):
    path = tmp_path / "other.sqlite3"
    with writing(path) as db:
        db.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    with pytest.raises(
        ChannelError, match=r"has no Kolibri channel tables \(content_channelmetadata, content_contentnode"
    ):
        open_channel(path)


def test_a_channel_whose_root_node_is_missing_is_refused(tmp_path):
    builder = ChannelBuilder(tmp_path)
    builder.resource("document", "Doc")
    path = builder.write()
    with writing(path) as db:
        db.execute("DELETE FROM content_contentnode WHERE id = ?", (builder.root_id,))
    with pytest.raises(ChannelError, match=f"root node '{builder.root_id}' is missing"):
        open_channel(path)


def test_a_channel_without_its_metadata_row_is_refused(tmp_path):
    path = ChannelBuilder(tmp_path).write()
    with writing(path) as db:
        db.execute("DELETE FROM content_channelmetadata")
    with pytest.raises(ChannelError, match="no channel in this database"):
        open_channel(path)


def test_a_tree_with_a_cycle_is_refused_before_any_node_is_yielded(tmp_path):
    builder = ChannelBuilder(tmp_path)
    topic = builder.topic("Loop")
    inner = builder.topic("Inner", topic)
    path = builder.write()
    with writing(path) as db:
        db.execute("UPDATE content_contentnode SET parent_id = ? WHERE id = ?", (inner, builder.root_id))
    with open_channel(path) as channel, pytest.raises(ChannelError, match="has a cycle through node"):
        next(channel.nodes())


def test_a_cycle_off_the_tree_is_refused_and_orphans_are_left_out(tmp_path):
    builder = ChannelBuilder(tmp_path)
    kept = builder.resource("document", "Kept")
    one, two = builder.topic("One"), builder.topic("Two")
    orphan = builder.resource("document", "Orphan")
    path = builder.write()
    with writing(path) as db:
        db.execute("UPDATE content_contentnode SET parent_id = ? WHERE id = ?", ("f" * 32, orphan))
    with open_channel(path) as channel:
        assert [n.id for n in channel.resources()] == [kept]
        assert channel.orphans == [orphan]
    with writing(path) as db:
        db.execute("UPDATE content_contentnode SET parent_id = ? WHERE id = ?", (two, one))
        db.execute("UPDATE content_contentnode SET parent_id = ? WHERE id = ?", (one, two))
    with open_channel(path) as channel, pytest.raises(ChannelError, match="has a cycle"):
        list(channel.nodes())


def test_titles_and_descriptions_with_script_are_kept_as_plain_text(tmp_path):
    vectors = xss_vectors()
    builder = ChannelBuilder(tmp_path)
    for vector in vectors:
        builder.resource("document", vector[:200], description=vector, author=vector[:100])
    with open_channel(builder.write()) as channel:
        read = list(channel.resources())
    assert [n.title for n in read] == [v[:200].strip() for v in vectors]
    assert [n.description for n in read] == [v.strip() for v in vectors]


def test_garbage_in_typed_columns_reads_as_neutral_values(tmp_path):
    builder = ChannelBuilder(tmp_path)
    builder.resource("document", "Doc", files=[("document", "pdf", b"%PDF-1.4")])
    path = builder.write()
    with writing(path) as db:
        db.execute("UPDATE content_contentnode SET sort_order = 'x', title = X'd0b0ff'")
        db.execute("UPDATE content_localfile SET file_size_bigint = -5")
        db.execute("UPDATE content_assessmentmetadata SET assessment_item_ids = '['")
    with open_channel(path) as channel:
        doc = next(channel.resources())
    assert doc.title == "а\ufffd" and doc.files[0].size is None


def test_channel_databases_of_an_export_folder(tmp_path):
    first = ChannelBuilder(tmp_path, channel_id="b" * 32).write()
    second = ChannelBuilder(tmp_path, channel_id="a" * 32).write()
    (first.parent / "notes.txt").write_text("x")
    assert channel_databases(tmp_path) == [second, first]
    assert channel_databases(tmp_path / "nothing") == []


def test_a_channel_with_more_nodes_or_files_than_the_cap_is_refused_before_reading(tmp_path):
    many = ChannelBuilder(tmp_path / "nodes")
    for i in range(12):
        many.resource("document", f"Doc {i}")
    with pytest.raises(ChannelError, match="content_contentnode has 13 rows; at most 10 are read"):
        open_channel(many.write(), max_nodes=10)
    files = ChannelBuilder(tmp_path / "files")
    files.resource("video", "Video", files=[("video_subtitle", "vtt", f"WEBVTT {i}".encode()) for i in range(20)])
    with pytest.raises(ChannelError, match="content_file has 20 rows; at most 16 are read"):
        open_channel(files.write(), max_nodes=2)
    with open_channel(files.root / "content" / "databases" / f"{files.channel_id}.sqlite3", max_nodes=3) as channel:
        assert [n.title for n in channel.resources()] == ["Video"]


@pytest.mark.needs_root
def test_a_wal_mode_channel_on_a_write_protected_stick_is_read(tmp_path):
    stick = tmp_path / "stick"
    stick.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(stick)], capture_output=True).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        builder = ChannelBuilder(stick)
        builder.resource("document", "Doc")
        path = builder.write()
        with writing(path) as db:
            db.execute("PRAGMA journal_mode = WAL")
        subprocess.run(["mount", "-o", "remount,ro", str(stick)], check=True)
        with open_channel(path) as channel:
            assert [n.title for n in channel.resources()] == ["Doc"]
    finally:
        subprocess.run(["umount", str(stick)], check=True)
