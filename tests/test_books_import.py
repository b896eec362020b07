"""Importing ZIM files as books (issue 16): real ZIMs in, every kind of bad one refused with nothing half-done."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from zims import BELARUSIAN, CORNER, INVALID, RAY, SPLIT_FIRST, make_zim

from contentserver.books.importer import import_zim
from contentserver.books.sources import find_zims
from contentserver.cli import main
from contentserver.db import db
from contentserver.library.fields import ManifestError
from contentserver.models import Book


@pytest.fixture
def cli(monkeypatch, tmp_path):
    for key in list(os.environ):
        if key.startswith("CONTENTSERVER_"):
            monkeypatch.delenv(key)
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(main, [str(a) for a in [*args, "--data", tmp_path / "data"]], catch_exceptions=False)

    return invoke


def books(app) -> dict[str, Book]:
    with app.app_context():
        return {b.id: b for b in db.session.scalars(db.select(Book))}


def do_import(app, path: Path, **kwargs):
    with app.app_context():
        store, reserve = app.extensions["object_store"], app.config["DISK_RESERVE_BYTES"]
        return import_zim(find_zims(path)[0], store, reserve, **kwargs)


def staging_and_objects(app) -> tuple[list[str], list[str]]:
    store = app.extensions["object_store"]
    return sorted(p.name for p in store.staging.iterdir() if p.suffix == ".tmp"), sorted(store)


def test_a_zim_becomes_a_book_in_the_object_store_whole(app):
    result = do_import(app, RAY)
    assert (result.book_id, result.outcome, result.article_count) == ("wikipedia-en-ray-charles", "added", 129)
    book = books(app)["wikipedia-en-ray-charles"]
    sha = hashlib.sha256(RAY.read_bytes()).hexdigest()
    assert book.zim_sha256 == sha and book.zim_size == RAY.stat().st_size and book.lang == "en"
    assert book.zim_metadata["Creator"] == "Wikipedia" and book.zim_metadata["Language"] == "eng"
    store = app.extensions["object_store"]
    assert store.path(sha).read_bytes() == RAY.read_bytes()  # one file, not unpacked
    assert staging_and_objects(app) == ([], [sha])
    assert do_import(app, RAY).outcome == "unchanged"


def test_the_split_form_is_one_book_identical_to_the_whole_file(app):
    result = do_import(app, SPLIT_FIRST)
    assert result.outcome == "added" and result.article_count == 66
    assert books(app)[result.book_id].zim_sha256 == hashlib.sha256(BELARUSIAN.read_bytes()).hexdigest()
    assert books(app)[result.book_id].lang == "bel"  # any language: kept, never refused
    assert do_import(app, BELARUSIAN).outcome == "unchanged"


def copy_parts(tmp_path: Path, names: dict[str, str]) -> Path:
    folder = tmp_path / "stick"
    folder.mkdir()
    for source_suffix, target_suffix in names.items():
        shutil.copy(SPLIT_FIRST.with_name(SPLIT_FIRST.name[:-2] + source_suffix), folder / f"be.zim{target_suffix}")
    return folder


def test_a_missing_split_part_is_named(app, tmp_path):
    folder = copy_parts(tmp_path, {"aa": "aa", "ac": "ac"})
    with pytest.raises(ManifestError, match="part be.zimab is missing"):
        find_zims(folder)
    (tmp_path / "other").mkdir()
    with pytest.raises(ManifestError, match="part be.zimaa is missing"):
        find_zims(copy_parts(tmp_path / "other", {"ab": "ab", "ac": "ac"}))


def test_split_parts_out_of_order_are_refused_and_nothing_is_kept(app, tmp_path):
    folder = copy_parts(tmp_path, {"aa": "ab", "ab": "aa", "ac": "ac"})
    with pytest.raises(ManifestError, match="not a readable ZIM|damaged"):
        do_import(app, folder)
    assert staging_and_objects(app) == ([], []) and books(app) == {}


@pytest.mark.parametrize("bad", INVALID, ids=lambda p: p.name)
def test_every_corrupt_zim_is_refused_with_a_clear_message(app, bad):
    with pytest.raises(ManifestError) as caught:
        do_import(app, bad)
    assert str(bad) in str(caught.value)
    assert "not a readable ZIM" in caught.value.reason or "damaged" in caught.value.reason
    assert staging_and_objects(app) == ([], []) and books(app) == {}


def test_a_truncated_copy_is_refused(app, tmp_path):
    cut = tmp_path / "cut.zim"
    cut.write_bytes(RAY.read_bytes()[: RAY.stat().st_size * 2 // 3])
    with pytest.raises(ManifestError, match="not a readable ZIM|damaged"):
        do_import(app, cut)
    assert books(app) == {}


def test_a_zim_whose_checksum_fails_is_refused(app, tmp_path):
    raw = bytearray(RAY.read_bytes())
    raw[len(raw) // 2] ^= 0xFF  # one flipped byte inside a cluster
    flipped = tmp_path / "flipped.zim"
    flipped.write_bytes(bytes(raw))
    with pytest.raises(ManifestError, match="checksum does not match"):
        do_import(app, flipped)
    assert staging_and_objects(app) == ([], []) and books(app) == {}


def test_a_zim_with_no_articles_is_refused(app, tmp_path):
    empty = make_zim(tmp_path / "styles.zim", [("s.css", "s", "text/css", "body{}")])
    with pytest.raises(ManifestError, match="holds no articles"):
        do_import(app, empty)
    assert books(app) == {}


def test_not_enough_disk_is_refused_before_copying(make_app):
    app = make_app(DISK_RESERVE_BYTES=shutil.disk_usage("/").total * 4)
    with pytest.raises(ManifestError, match="only .* are free on the data disk; nothing was copied"):
        do_import(app, RAY)
    assert staging_and_objects(app) == ([], []) and books(app) == {}


def test_a_newer_zim_of_the_same_book_replaces_the_old_one(app, tmp_path):
    first = make_zim(tmp_path / "a.zim", [("a.html", "A", "text/html", "<p>one</p>")], main="a.html")
    second = make_zim(tmp_path / "b.zim", [("a.html", "A", "text/html", "<p>two</p>")], main="a.html")
    assert do_import(app, first).outcome == "added"
    assert do_import(app, second).outcome == "replaced"
    assert books(app)["test-book"].zim_sha256 == hashlib.sha256(second.read_bytes()).hexdigest()


def test_cli_imports_a_stick_and_says_what_it_accepts(cli, tmp_path):
    stick = tmp_path / "stick"
    (stick / "books").mkdir(parents=True)
    shutil.copy(CORNER, stick / "books" / CORNER.name)
    for part in sorted(SPLIT_FIRST.parent.glob(SPLIT_FIRST.name[:-2] + "*")):
        shutil.copy(part, stick / part.name)
    done = cli("import", stick)
    assert done.exit_code == 0, done.output
    assert "added book corner-cases" in done.stdout and "added book kiwix-wikibooks-be-all" in done.stdout
    refused = cli("import", INVALID[0])
    assert refused.exit_code == 2 and "refused:" in refused.stderr
    helped = cli("import", "--help")
    assert ".zimaa" in helped.stdout and "ZIM" in helped.stdout


def test_gc_keeps_a_books_zim(app):
    from contentserver.cleanup import collect

    do_import(app, RAY)
    with app.app_context():
        collect(app, grace=0)
    assert staging_and_objects(app)[1] == [hashlib.sha256(RAY.read_bytes()).hexdigest()]


def library_with_book(make_library, zim: Path, version: int = 2, **book_changes) -> Path:
    """A built library (format 2) whose manifest lists `zim` as a book, the ZIM in its objects/."""
    folder = make_library(version=version)
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    sha = hashlib.sha256(zim.read_bytes()).hexdigest()
    target = folder / "objects" / sha[:2] / sha[2:]
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(zim, target)
    entry = {"id": "ray", "title": "Ray Charles", "lang": "en", "zim": {"sha256": sha, "size": zim.stat().st_size}}
    entry.update({"article_count": 129, "zim_metadata": {"Name": "wikipedia_en_ray_charles"}, **book_changes})
    manifest.update(format_version=2, books=[entry])
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), "utf-8")
    return folder


def test_a_version_two_library_installs_its_books_with_its_lessons(app, make_library, import_library_into):
    result = import_library_into(app, library_with_book(make_library, RAY))
    assert result.books == ["ray"] and len(result.added) == 2
    assert books(app)["ray"].library_id == "test-lib" and books(app)["ray"].article_count == 129


def test_a_library_whose_book_is_not_a_zim_is_refused_whole(app, make_library, import_library_into):
    with pytest.raises(ManifestError) as caught:
        import_library_into(app, library_with_book(make_library, INVALID[-1]))
    assert caught.value.field == "books[0].zim" and "not a readable ZIM" in str(caught.value)
    assert books(app) == {}
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(db.table("lessons"))) == 0
