"""Index builds in bounded segments: same results as one writer, no temporary files left, a killed build cleaned up."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import import_into, lesson_spec

from contentserver.search.engine import Filters, search

WORDS = (
    "water river steppe wind energy heart blood school village mountain lake forest bread salt road "
    "су өзен дала жел энергия жүрек қан мектеп ауыл тау көл орман нан тұз жол "
    "вода река степь ветер энергия сердце кровь школа село гора озеро лес хлеб соль дорога"
).split()
LANGS = (("en", "Latn"), ("kk", "Cyrl"), ("ru", "Cyrl"))
QUERIES = [
    "water",
    "river steppe",
    "жүрек",
    "мектеп ауыл",
    "сердце",
    "школа дорога",
    "энергия",
    "forest lake",
    "salt bread road",
    "тау көл",
    "mountan",
]
TINY = 0.004  # MB of postings a segment: a lesson or two, so a few dozen lessons make every kind of merge


def library_lessons(count: int = 70) -> list[dict]:
    lessons = []
    for n in range(count):
        lang, script = LANGS[n % 3]
        words = [WORDS[(n * 7 + k * k) % len(WORDS)] for k in range(12 + n % 9)]
        lessons.append(
            lesson_spec(
                f"lesson-{n:03d}",
                lang=lang,
                script=script,
                grade=1 + n % 11,
                title=" ".join(words[:3]).capitalize(),
                tags=words[3:5],
                body="# " + " ".join(words[:3]) + "\n\n" + " ".join(words) + ".\n",
            )
        )
    return lessons


def results(app) -> list:
    with app.app_context():
        found = []
        for text in QUERIES:
            answer = search(app.extensions["indexer"], text, Filters())
            found.append([(hit.id, round(hit.score, 9)) for hit in answer.ranked])
        return found


def segment_count(app) -> int:
    with app.app_context(), app.extensions["indexer"].searcher() as searcher:
        return len(searcher.leaf_searchers())


def temporary_files(data: Path) -> list[Path]:
    index = data / "index"
    return [p for p in index.rglob("*") if p.name.endswith((".part", ".tmp", ".run", ".ctmp"))]


@pytest.fixture
def private_tmp(tmp_path, monkeypatch) -> Path:
    """The system temporary folder, watched: a build must write nothing there."""
    folder = tmp_path / "system-tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def test_a_build_in_tiny_segments_leaves_one_segment_searching_like_one_writer(
    make_app, make_library, tmp_path, private_tmp
):
    library = make_library(library_lessons())
    one = make_app(DATA_DIR=str(tmp_path / "one"))
    import_into(one, library)
    small = make_app(DATA_DIR=str(tmp_path / "small"), SEARCH_BUILD_MEMORY_MB=TINY)
    import_into(small, library)  # the import's update_lessons, then a rebuild: both write in segments
    assert segment_count(one) == segment_count(small) == 1
    expected = results(one)
    assert all(expected), expected
    assert results(small) == expected
    with small.app_context():
        small.extensions["indexer"].rebuild()
    assert segment_count(small) == 1 and results(small) == expected
    assert temporary_files(tmp_path / "small") == [] and list(private_tmp.iterdir()) == []


def test_updates_in_tiny_segments_replace_and_remove_lessons(make_app, make_library, tmp_path):
    app = make_app(SEARCH_BUILD_MEMORY_MB=TINY)
    import_into(app, make_library(library_lessons()))
    changed = [{**spec, "body": spec["body"] + "\nSalt and bread.\n"} for spec in library_lessons()[:30]]
    import_into(app, make_library(changed, version=2))  # thirty replaced, the ten others removed
    with app.app_context(), app.extensions["indexer"].searcher() as searcher:
        assert searcher.doc_count() == 30
    reference = make_app(DATA_DIR=str(tmp_path / "reference"))
    import_into(reference, make_library(changed))
    assert {hit for page in results(app) for hit, _ in page} == {hit for page in results(reference) for hit, _ in page}


KILL_DURING_REBUILD = """
import os, signal, sys, threading, time
from pathlib import Path
from contentserver import create_app
app = create_app({"DATA_DIR": sys.argv[1], "STARTER_LIBRARY": "", "SEARCH_BUILD_MEMORY_MB": 0.001})
root = Path(sys.argv[1]) / "index"
def watch():
    while not any(p.suffix == ".seg" or p.name.startswith("_MAIN_") for part in root.glob("*.part")
                  for p in part.iterdir()):
        time.sleep(0.001)
    os.kill(os.getpid(), signal.SIGKILL)  # a power cut half-way through the build
threading.Thread(target=watch, daemon=True).start()
with app.app_context():
    app.extensions["indexer"].rebuild()
"""


def test_a_killed_build_leaves_nothing_after_the_next_start(make_app, make_library, data_dir):
    app = make_app()
    import_into(app, make_library(library_lessons(60)))
    before = results(app)
    done = subprocess.run(
        [sys.executable, "-c", KILL_DURING_REBUILD, str(data_dir)],
        capture_output=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )
    assert done.returncode == -signal.SIGKILL, done.stderr
    assert list((data_dir / "index").glob("*.part"))  # what the kill left
    with app.app_context():
        live = data_dir / "index" / app.extensions["indexer"].current_generation()
    (live / "MAIN.tmp").mkdir()  # as a killed update leaves Whoosh's temporary folder
    (live / "MAIN.tmp" / "abc.run").write_bytes(b"x" * 1000)
    restarted = make_app()
    assert temporary_files(data_dir) == []
    assert results(restarted) == before
