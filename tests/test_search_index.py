"""The index: incremental updates searchable at once, only published lessons found, atomic rebuilds."""

from __future__ import annotations

import subprocess
import time

import pytest
from conftest import VENV_BIN, VTT, import_into, lesson_spec, pdf_bytes

from contentserver.db import db
from contentserver.errors import Rebuilding
from contentserver.models import Lesson
from contentserver.search.background import rebuild_in_background
from contentserver.search.engine import Filters, search
from contentserver.search.indexer import Indexer
from contentserver.search.schema import INDEX_FORMAT

HEART = lesson_spec(
    "heart-en",
    title="The human heart",
    subject="science",
    grade=8,
    body="# The human heart\n\nThe heart pumps blood through the arteries and veins.\n",
)
JUREK = lesson_spec(
    "heart-kk",
    title="Адамның жүрегі",
    lang="kk",
    script="Cyrl",
    subject="science",
    grade=8,
    body="# Адамның жүрегі\n\nЖүрек қанды артериялар арқылы айдайды.\n",
)
ROAD = lesson_spec(
    "road-kk-latn",
    title="Jol qozğalysy erejelerı",
    lang="kk",
    script="Latn",
    subject="health",
    grade=5,
    body="# Jol qozğalysy erejelerı\n\nBağdarşamnyñ jasyl şamy janğanda ğana jürıñız.\n",
)


def ids(app, text: str, **filters) -> list[str]:
    with app.app_context():
        return [hit.id for hit in search(app.extensions["indexer"], text, Filters(**filters)).ranked]


def test_import_is_searchable_as_soon_as_it_returns(app, make_library):
    import_into(app, make_library([HEART, JUREK]))
    assert ids(app, "heart")[0] == "heart-en"
    assert ids(app, "жүрек")[0] == "heart-kk"


@pytest.mark.parametrize("path", ["/search", "/api/search", "/api/suggest"])
def test_searching_an_empty_library_finds_nothing_without_an_error(app, path):
    answer = app.test_client().get(path, query_string={"q": "water"})
    assert answer.status_code == 200


def test_cyrillic_query_finds_a_latin_only_lesson_and_back(app, make_library):
    import_into(app, make_library([JUREK, ROAD]))
    assert ids(app, "жол қозғалысы ережелері") == ["road-kk-latn"]
    assert ids(app, "zhurek") == ["heart-kk"]


def test_a_lesson_no_longer_published_never_shows_even_before_the_index_catches_up(app, make_library):
    import_into(app, make_library([HEART, JUREK]))
    with app.app_context():
        db.session.get(Lesson, "heart-en").status = "draft"
        db.session.commit()
    assert "heart-en" not in ids(app, "heart")  # filtered against the rows (invariant 3)
    with app.app_context():
        app.extensions["indexer"].update_lessons(["heart-en"])
        with app.extensions["indexer"].searcher() as searcher:
            assert searcher.document(id="heart-en") is None  # and then gone from the index


def test_cached_results_never_outlive_a_change_to_the_lessons(app, make_library):
    from contentserver.library.store import bump_data_version
    from contentserver.search.engine import ResultCache

    import_into(app, make_library([HEART, JUREK]))
    cache = ResultCache()
    with app.app_context():
        indexer = app.extensions["indexer"]
        assert [h.id for h in search(indexer, "heart", cache=cache).ranked] == ["heart-en"]
        assert search(indexer, "heart", cache=cache) is search(indexer, "heart", cache=cache)
        db.session.get(Lesson, "heart-en").status = "draft"
        bump_data_version()
        db.session.commit()
        assert search(indexer, "heart", cache=cache).ranked == []


def test_removed_lessons_leave_the_index_on_the_next_import(app, make_library):
    import_into(app, make_library([HEART, JUREK], version=1))
    import_into(app, make_library([JUREK], version=2))
    assert ids(app, "heart") == []
    assert ids(app, "жүрек") == ["heart-kk"]


def test_a_lesson_whose_body_object_is_missing_never_shows(app, make_library):
    import_into(app, make_library([HEART]))
    with app.app_context():
        sha = db.session.get(Lesson, "heart-en").body_sha256
        app.extensions["object_store"].path(sha).unlink()
    assert ids(app, "heart") == []


def test_another_process_update_is_seen_within_a_second(app, make_library):
    import_into(app, make_library([HEART]))
    assert ids(app, "жүрек") == []
    with app.app_context():  # the sync job's own Indexer over the same data folder, as another process has
        db.session.add(
            Lesson(
                id="heart-kk",
                title="Адамның жүрегі",
                lang="kk",
                script="Cyrl",
                subject="science",
                grade=8,
                body_sha256=app.extensions["object_store"].put_bytes("Жүрек".encode()),
                origin="local",
                status="published",
            )
        )
        db.session.commit()
        other = Indexer(app.config["DATA_DIR"], app.extensions["object_store"])
        other.update_lessons(["heart-kk"])
        other.close()
    deadline = time.monotonic() + 1.0
    while ids(app, "жүрек") != ["heart-kk"]:
        assert time.monotonic() < deadline, "not searchable within 1 s"
        time.sleep(0.05)


def test_rebuild_switches_to_a_new_generation_and_keeps_results(app, make_library):
    import_into(app, make_library([HEART, JUREK, ROAD]))
    indexer = app.extensions["indexer"]
    before = indexer.current_generation()
    with app.app_context():
        indexer.rebuild()
    after = indexer.current_generation()
    assert after != before
    assert ids(app, "heart") == ["heart-en"]
    with app.app_context():
        indexer.rebuild()
    folders = {p.name for p in indexer.root.iterdir() if p.is_dir()}
    assert folders == {after, indexer.current_generation()}  # the live one and the one before it


def test_a_cancelled_writer_leaves_the_index_as_it_was(app, make_library):
    import_into(app, make_library([HEART]))
    indexer = app.extensions["indexer"]
    from whoosh import index

    writer = index.open_dir(str(indexer.root / indexer.current_generation())).writer()
    writer.delete_by_term("id", "heart-en")
    writer.cancel()  # a writer that dies before committing
    assert ids(app, "heart") == ["heart-en"]


def test_a_missing_index_is_rebuilt_by_the_server_in_the_background_not_at_start(make_app, make_library):
    app = make_app()
    import_into(app, make_library([HEART]))
    indexer = app.extensions["indexer"]
    (indexer.root / "CURRENT").unlink()
    indexer.close()
    again = make_app()
    assert again.extensions["indexer"].outdated()
    with pytest.raises(Rebuilding):
        ids(again, "heart")
    rebuild_in_background(again).join()
    assert ids(again, "heart") == ["heart-en"]


def test_pdf_text_and_subtitles_are_searchable(app, make_library):
    lesson = lesson_spec(
        "media-en",
        title="Worksheet lesson",
        body="# Worksheet lesson\n\nSee the files.\n",
        attachments={
            "sheet.pdf": pdf_bytes("quadrilateral worksheet"),
            "clip.mp4": b"\x00" * 64,
            "clip.en.vtt": VTT.replace(b"Hello", b"Meet the axolotl"),
        },
    )
    import_into(app, make_library([lesson]))
    assert ids(app, "quadrilateral") == ["media-en"]
    assert ids(app, "axolotl") == ["media-en"]
    assert ids(app, "axolotl", kind="video") == ["media-en"]
    assert ids(app, "axolotl", kind="pdf") == ["media-en"]
    assert ids(app, "axolotl", kind="audio") == []


def test_filters_narrow_results(app, make_library):
    import_into(app, make_library([HEART, JUREK, ROAD]))
    assert set(ids(app, "heart жүрек")) == {"heart-en", "heart-kk"}
    assert ids(app, "heart жүрек", lang="kk") == ["heart-kk"]
    assert ids(app, "heart жүрек", subject="health") == []
    assert set(ids(app, "heart жүрек", grade=8)) == {"heart-en", "heart-kk"}


def test_reindex_command_rebuilds(app, make_library, data_dir):
    import_into(app, make_library([HEART]))
    before = app.extensions["indexer"].current_generation()
    done = subprocess.run(
        [str(VENV_BIN / "contentserver"), "reindex", "--data", str(data_dir)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "1 lessons" in done.stdout
    assert app.extensions["indexer"].current_generation() != before
    assert ids(app, "heart") == ["heart-en"]


def test_an_index_of_an_older_format_is_neither_searched_nor_written_until_rebuilt(make_app, make_library):
    app = make_app()
    import_into(app, make_library([HEART]))
    indexer = app.extensions["indexer"]
    old = indexer.current_generation()
    (indexer.root / old / "FORMAT").unlink()  # as written before index formats were named
    indexer.close()
    files = sorted((indexer.root / old).iterdir())
    again = make_app()
    assert again.extensions["indexer"].current_generation() == old  # not rebuilt at start
    import_into(again, make_library([JUREK], library_id="second"))  # remembered for the rebuild, not written
    assert sorted((indexer.root / old).iterdir()) == files
    with pytest.raises(Rebuilding):
        ids(again, "жүрек")
    rebuild_in_background(again).join()
    assert again.extensions["indexer"].current_generation() != old
    assert ids(again, "heart") == ["heart-en"]
    assert ids(again, "жүрек") == ["heart-kk"]
    assert not (indexer.root / "PENDING").exists()


def test_changes_remembered_while_outdated_are_applied_at_the_next_start_if_the_rebuild_missed_them(
    make_app, make_library
):
    app = make_app()
    import_into(app, make_library([HEART]))
    indexer = app.extensions["indexer"]
    live = indexer.root / indexer.current_generation() / "FORMAT"
    live.write_text("1")
    import_into(app, make_library([JUREK], library_id="second"))  # remembered, not written
    live.write_text(str(INDEX_FORMAT))  # as if a rebuild that read the rows before JUREK switched, then was killed
    indexer.close()
    again = make_app()
    assert ids(again, "жүрек") == ["heart-kk"]
    assert not (indexer.root / "PENDING").exists()
