"""Planning a Kolibri import: what would come in, what is skipped and why, refused before anything is written."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from kolibri_maker import ChannelBuilder, fixture_channel, md5, storage_path

from contentserver.cli import main
from contentserver.kolibri.errors import ChannelError
from contentserver.kolibri.plan import plan_import
from contentserver.kolibri.storage import NotEnoughSpace
from contentserver.kolibri.summary import summarize

LOW, HIGH = b"low resolution video" * 10, b"high resolution video" * 100


def _zip(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


RADIO = {"type": "radio", "options": {"choices": [{"content": "4", "correct": True}, {"content": "5"}]}}
GOOD_ITEM = json.dumps({"question": {"content": "2+2 [[☃ radio 1]]", "widgets": {"radio 1": RADIO}}})
ASSESSMENT = {
    "assessment_item_ids": '["q1", "q2"]',
    "number_of_assessments": 2,
    "mastery_model": '{"type": "m_of_n", "m": 2, "n": 3}',
    "randomize": False,
    "is_manipulable": False,
}


def demo_channel(root: Path, version: str = "7", **kw) -> ChannelBuilder:
    builder = ChannelBuilder(root, version=version, name="Демо", **kw)
    topic = builder.topic("Физика")
    builder.resource(
        "video",
        "Су",
        topic,
        files=[
            ("high_res_video", "mp4", HIGH),
            ("low_res_video", "mp4", LOW),
            ("video_subtitle", "vtt", b"WEBVTT\n\nkk", "kk"),
            ("video_subtitle", "vtt", b"WEBVTT\n\nru", "ru"),
        ],
    )
    builder.resource("document", "Кітап", topic, files=[("document", "pdf", b"%PDF-1.4 book")])
    builder.resource("html5", "App", topic, files=[("html5_zip", "zip", _zip({"index.html": "<p>hi"}))])
    builder.resource("html5", "Bad app", topic, files=[("html5_zip", "zip", _zip({"../index.html": "x"}))])
    builder.resource("html5", "No index", topic, files=[("html5_zip", "zip", _zip({"app.html": "x"}))])
    builder.resource("h5p", "H5P thing", topic, files=[("h5p_zip", "h5p", b"zz")])
    builder.resource("audio", "Lost audio", topic, files=[("audio", "mp3", b"ID3 lost")])
    builder.resource("document", "Bare", topic)
    exercise = _zip({"q1.json": GOOD_ITEM, "q2.json": "{"})
    builder.resource("exercise", "Ex", topic, files=[("exercise", "perseus", exercise)], assessment=ASSESSMENT)
    builder.resource("exercise", "No questions", topic, files=[("exercise", "perseus", _zip({"q2.json": "{"}))])
    builder.write()
    storage_path(root, md5(b"ID3 lost"), "mp3").unlink()
    return builder


@pytest.mark.parametrize("version", ["7", "3", "v0.4.0-beta3"])
def test_a_plan_lists_resources_by_kind_skips_with_reasons_and_missing_files(tmp_path, version):
    demo_channel(tmp_path, version)
    (plan,) = plan_import(tmp_path)
    summary = summarize(plan)
    assert summary.name == "Демо" and summary.topics == 2
    assert summary.by_kind == {"video": 1, "document": 1, "html5": 1, "exercise": 1}
    video = plan.resources[0]
    assert [(f.role, f.checksum, f.lang) for f in video.files] == [
        ("main", md5(LOW), None),
        ("subtitle", md5(b"WEBVTT\n\nkk"), "kk"),
        ("subtitle", md5(b"WEBVTT\n\nru"), "ru"),
    ]
    reasons = {item.title: item.reason for item in plan.skipped}
    assert "climbs out of the archive" in reasons["Bad app"]
    assert reasons["No index"] == "the app has no index.html"
    assert reasons["H5P thing"] == "'h5p' resources are not supported on this server"
    assert reasons["Lost audio"] == "its file is missing from the drive"
    assert reasons["Bare"] == "the channel lists no file for it"
    assert summary.questions == 1 and summary.questions_not_available == 1
    assert "exercise" in reasons["No questions"] or "questions" in reasons["No questions"]
    lost = md5(b"ID3 lost")
    assert summary.missing == [f"content/storage/{lost[0]}/{lost[1]}/{lost}.mp3"]
    text = "\n".join(summary.lines())
    assert "resources to import: 4 (document 1, exercise 1, html5 1, video 1)" in text
    assert f"missing files: 1\n    content/storage/{lost[0]}/{lost[1]}/{lost}.mp3" in text


def test_the_high_resolution_video_is_taken_when_the_low_one_is_missing(tmp_path):
    demo_channel(tmp_path)
    storage_path(tmp_path, md5(LOW), "mp4").unlink()
    (plan,) = plan_import(tmp_path)
    assert plan.resources[0].files[0].checksum == md5(HIGH)
    assert any(md5(LOW) in path for path in plan.missing)


def test_verify_finds_a_file_that_does_not_match_its_md5(tmp_path):
    demo_channel(tmp_path)
    storage_path(tmp_path, md5(b"%PDF-1.4 book"), "pdf").write_bytes(b"%PDF-1.4 swapped")
    assert len(plan_import(tmp_path)[0].resources) == 4  # without verify: found, the right size is not known
    (plan,) = plan_import(tmp_path, verify=True)
    reasons = {item.title: item.reason for item in plan.skipped}
    assert "does not match its md5 name" in reasons["Кітап"]


def test_kolibri_fixture_rows_plan_as_missing_files_marked_unavailable(tmp_path):
    fixture_channel(tmp_path, "5")
    (plan,) = plan_import(tmp_path)
    assert plan.resources == []
    reasons = {item.title: item.reason for item in plan.skipped}
    assert reasons["c1"] == "the channel marks it unavailable and its file is missing from the drive"


def test_several_channels_in_one_export_and_choosing_one(tmp_path):
    demo_channel(tmp_path, channel_id="b" * 32)
    ChannelBuilder(tmp_path, channel_id="a" * 32, name="Second").write()
    assert [p.info.name for p in plan_import(tmp_path)] == ["Second", "Демо"]
    assert [p.info.name for p in plan_import(tmp_path / "content", channel="B" * 32)] == ["Демо"]
    with pytest.raises(ChannelError, match=f"has no channel 'c{'c' * 31}'; it holds {'a' * 32}, {'b' * 32}"):
        plan_import(tmp_path, channel="c" * 32)


def test_a_folder_without_a_channel_is_refused(tmp_path):
    with pytest.raises(ChannelError, match="holds no Kolibri channel"):
        plan_import(tmp_path)


def test_a_disk_too_small_for_the_channel_is_refused_before_copying(tmp_path):
    """A 10 GB video where far less is free: refused from its size on the drive, nothing hashed or written."""
    destination = tmp_path / "data"
    destination.mkdir()
    builder = ChannelBuilder(tmp_path / "stick")
    video = builder.resource("video", "Huge", files=[("low_res_video", "mp4", b"placeholder")])
    builder.write()
    placed = storage_path(tmp_path / "stick", md5(b"placeholder"), "mp4")
    free = os.statvfs(destination).f_bavail * os.statvfs(destination).f_frsize
    with open(placed, "r+b") as stream:
        stream.truncate(max(free + (1 << 30), 10 << 30))  # sparse: costs no disk
    with pytest.raises(NotEnoughSpace, match="nothing was copied"):
        plan_import(tmp_path / "stick", destination=destination)
    assert list(destination.iterdir()) == [] and video


def test_kolibri_inspect_prints_the_summary_and_refuses_clearly(tmp_path):
    demo_channel(tmp_path)
    runner = CliRunner()
    done = runner.invoke(main, ["kolibri-inspect", str(tmp_path), "--verify"])
    assert done.exit_code == 0, done.output
    assert "resources to import: 4" in done.output and "'Lost audio'" in done.output
    bogus = tmp_path / "bogus"
    (bogus / "content" / "databases").mkdir(parents=True)
    (bogus / "content" / "databases" / ("a" * 32 + ".sqlite3")).write_text("not a database")
    refused = runner.invoke(main, ["kolibri-inspect", str(bogus)])
    assert refused.exit_code == 2
    assert "is not a SQLite database" in refused.output and "Nothing was imported" in refused.output


def test_a_title_with_terminal_escapes_is_printed_written_out(tmp_path):
    builder = ChannelBuilder(tmp_path, name="Name \x1b[2J cleared")
    builder.resource("slideshow", "Title \x1b]0;owned\x07 \u202eevil")
    builder.write()
    done = CliRunner().invoke(main, ["kolibri-inspect", str(tmp_path)])
    assert done.exit_code == 0, done.output
    assert "\x1b" not in done.output and "\u202e" not in done.output and "\x07" not in done.output
    assert "Name \\x1b[2J cleared" in done.output and "'slideshow' resources are not supported" in done.output
