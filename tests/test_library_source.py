"""The source form (content/: library.toml, lesson.md with TOML front matter, media) and the deterministic build."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from conftest import CONTENT, FAKE_MP4, VTT, lesson_spec

from contentserver.library.build import write_library
from contentserver.library.bundle import open_library
from contentserver.library.format import ManifestError, object_relpath

LIMIT = 1000


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_content_folder_is_a_valid_source_library_with_at_least_12_lessons():
    bundle = open_library(CONTENT, 10**6, LIMIT)
    lessons = bundle.manifest.lessons
    assert len(lessons) >= 12
    assert {lesson.lang for lesson in lessons} == {"kk", "ru", "en"}
    kinds = {a.kind for lesson in lessons for a in lesson.attachments}
    assert {"pdf", "image"} <= kinds


def test_build_of_content_is_deterministic_and_has_the_source_manifest_hash(tmp_path):
    first, second = tmp_path / "one", tmp_path / "two"
    source = open_library(CONTENT, 10**8, LIMIT)
    write_library(source, first)
    write_library(open_library(CONTENT, 10**8, LIMIT), second)
    assert tree(first) == tree(second)
    built = open_library(first, 10**8, LIMIT)
    assert built.manifest == source.manifest
    assert (
        built.manifest_sha256
        == source.manifest_sha256
        == hashlib.sha256((first / "manifest.json").read_bytes()).hexdigest()
    )
    for sha in built.manifest.objects():
        assert hashlib.sha256((first / object_relpath(sha)).read_bytes()).hexdigest() == sha


def test_build_writes_no_temporary_files(tmp_path):
    write_library(open_library(CONTENT, 10**8, LIMIT), tmp_path / "out")
    assert not [p for p in (tmp_path / "out").rglob("*.tmp")]


def test_source_form_reads_front_matter_body_and_subtitles(make_library):
    root = make_library(
        [lesson_spec("alpha", body="# Title\n\nText.\n", attachments={"clip.mp4": FAKE_MP4, "clip.ru.vtt": VTT})],
        form="source",
    )
    lesson = open_library(root, 10**6, LIMIT).manifest.lessons[0]
    assert lesson.body.sha256 == hashlib.sha256(b"# Title\n\nText.\n").hexdigest()
    vtt = lesson.attachments[1]
    assert (vtt.name, vtt.subtitles_for, vtt.lang) == ("clip.ru.vtt", "clip.mp4", "ru")


def source_lesson(root: Path, text: str, files: dict[str, bytes] | None = None) -> Path:
    root.mkdir(parents=True)
    (root / "library.toml").write_text(
        'library_id = "src"\ntitle = "S"\nversion = 1\ncreated = "2026-11-25T00:00:00Z"\n'
    )
    folder = root / "alpha"
    folder.mkdir()
    (folder / "lesson.md").write_text(text, "utf-8")
    for name, data in (files or {}).items():
        (folder / name).write_bytes(data)
    return folder / "lesson.md"


FRONT = 'title = "T"\nlang = "en"\nscript = "Latn"\nsubject = "math"\ngrade = 5\n'


@pytest.mark.parametrize(
    "text, field, words",
    [
        ("# no front matter\n", "", "must start with a line '+++'"),
        ("+++\n" + FRONT + "# never closed\n", "", "not closed"),
        ("+++\ntitle = \n+++\n", "", "not valid TOML"),
        ("+++\n" + FRONT + "colour = 'red'\n+++\n", "", "unknown front matter keys: colour"),
        ("+++\n" + FRONT.replace("grade = 5", "grade = 13") + "+++\n", "grade", "1 to 12"),
        ("+++\n" + FRONT.replace('lang = "en"\n', "") + "+++\n", "lang", "is missing"),
    ],
)
def test_bad_lesson_md_is_refused_naming_the_file_and_field(tmp_path, text, field, words):
    lesson_md = source_lesson(tmp_path / "src", text)
    with pytest.raises(ManifestError) as info:
        open_library(tmp_path / "src", 10**6, LIMIT)
    assert info.value.file == str(lesson_md) and info.value.field == field and words in str(info.value)


def test_lesson_md_that_is_not_utf8_is_refused(tmp_path):
    lesson_md = source_lesson(tmp_path / "src", "")
    lesson_md.write_bytes(b"+++\n" + FRONT.encode() + b"+++\n\xc0\xaf\n")
    with pytest.raises(ManifestError, match="not valid UTF-8"):
        open_library(tmp_path / "src", 10**6, LIMIT)


@pytest.mark.parametrize(
    "name",
    [
        "drawing.svg",
        "run.exe",
        ".htaccess",
        "photo.jpg.php",
        "CON.pdf",
        "name with spaces.pdf",
        "урок.pdf",
        "orphan.vtt",
    ],
)
def test_source_file_with_bad_name_or_type_is_refused_naming_it(tmp_path, name):
    source_lesson(tmp_path / "src", "+++\n" + FRONT + "+++\nText\n", {name: b"x"})
    with pytest.raises(ManifestError) as info:
        open_library(tmp_path / "src", 10**6, LIMIT)
    assert info.value.file.endswith(name)


def test_source_symlink_is_refused(tmp_path):
    (tmp_path / "secret.pdf").write_bytes(b"%PDF secret")
    source_lesson(tmp_path / "src", "+++\n" + FRONT + "+++\nText\n")
    os.symlink(tmp_path / "secret.pdf", tmp_path / "src" / "alpha" / "leak.pdf")
    with pytest.raises(ManifestError, match="leak.pdf"):
        open_library(tmp_path / "src", 10**6, LIMIT)


def test_folder_that_is_no_library_is_refused(tmp_path):
    with pytest.raises(ManifestError, match="no manifest.json .* or library.toml"):
        open_library(tmp_path, 10**6, LIMIT)
