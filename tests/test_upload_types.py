"""Uploads are typed by their bytes and named safely, whatever they are called."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import VTT, pdf_bytes, png_bytes
from teach_http import bad_names

from contentserver.authoring.names import clean_file_name, new_lesson_id
from contentserver.authoring.sniff import sniff_media_type
from contentserver.library.format import ID_RE, MEDIA_TYPES, is_safe_name

FFMPEG_SOURCES = {
    "video/mp4": (["-f", "lavfi", "-i", "color=size=16x16:rate=5:duration=0.4", "-c:v", "mpeg4"], "v.mp4"),
    "video/webm": (["-f", "lavfi", "-i", "color=size=16x16:rate=5:duration=0.4", "-c:v", "libvpx"], "v.webm"),
    "audio/mpeg": (["-f", "lavfi", "-i", "sine=duration=0.3", "-c:a", "libmp3lame"], "a.mp3"),
    "audio/ogg": (["-f", "lavfi", "-i", "sine=duration=0.3", "-c:a", "libvorbis"], "a.ogg"),
    "audio/mp4": (["-f", "lavfi", "-i", "sine=duration=0.3", "-c:a", "aac"], "a.m4a"),
    "image/jpeg": (["-f", "lavfi", "-i", "color=size=8x8:duration=0.1", "-frames:v", "1"], "i.jpg"),
    "image/gif": (["-f", "lavfi", "-i", "color=size=8x8:duration=0.1", "-frames:v", "1"], "i.gif"),
    "image/webp": (["-f", "lavfi", "-i", "color=size=8x8:duration=0.1", "-frames:v", "1", "-c:v", "libwebp"], "i.webp"),
}


def ffmpeg_file(tmp_path: Path, media_type: str) -> bytes:
    args, name = FFMPEG_SOURCES[media_type]
    out = tmp_path / name
    done = subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", *args, str(out)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"this ffmpeg cannot make {media_type}: {done.stderr.strip()[:200]}")
    return out.read_bytes()


@pytest.mark.parametrize("media_type", sorted(FFMPEG_SOURCES))
def test_real_media_files_are_recognised_by_their_bytes(tmp_path, media_type):
    assert sniff_media_type(ffmpeg_file(tmp_path, media_type)[:64]) == media_type


@pytest.mark.parametrize(
    "data, media_type",
    [
        (png_bytes(), "image/png"),
        (pdf_bytes(), "application/pdf"),
        (VTT, "text/vtt"),
        (b"\xef\xbb\xbfWEBVTT\n\n", "text/vtt"),
        (b"WEBVTT", "text/vtt"),
    ],
)
def test_generated_files_are_recognised_by_their_bytes(data, media_type):
    assert sniff_media_type(data[:64]) == media_type


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"MZ\x90\x00 windows program",
        b"PK\x03\x04 zip",
        b"<html><script>alert(1)</script>",
        b"#!/bin/sh\nrm -rf /\n",
        b"WEBVTTX not subtitles",
        b"\x1aE\xdf\xa3\x42\x82\x88matroska",
        b"GIF88a",
        "plain text — not a file type".encode(),
    ],
)
def test_other_bytes_are_refused_whatever_their_name(data):
    assert sniff_media_type(data[:64]) is None


@pytest.mark.parametrize("media_type", sorted(MEDIA_TYPES))
def test_every_hostile_name_becomes_a_safe_name_fitting_the_real_type(media_type):
    for raw in bad_names() + [""]:
        name = clean_file_name(raw, media_type)
        assert is_safe_name(name), (raw, name)
        assert name.lower().endswith(MEDIA_TYPES[media_type][1]), (raw, name)
        assert "/" not in name and "\\" not in name and "<" not in name


def test_names_keep_what_a_teacher_would_recognise():
    assert clean_file_name("урок №1 (қазақша).pdf", "application/pdf") == "urok-No1-qazaqsha.pdf"
    assert clean_file_name("photo.jpg.php", "image/jpeg") == "photo-jpg-php.jpg"
    assert clean_file_name("../../etc/passwd", "image/png") == "passwd.png"
    assert clean_file_name("CON", "application/pdf") == "file-CON.pdf"
    assert clean_file_name("Leaf.PNG", "image/png") == "Leaf.png"


def test_new_lesson_ids_fit_the_library_format():
    for title in ["Фотосинтез", "<script>alert(1)</script>", "", "a" * 300, "Жер — планета"]:
        assert ID_RE.match(new_lesson_id(title)), title
    assert new_lesson_id("Фотосинтез").startswith("t-fotosintez-")
