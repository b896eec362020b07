"""A book travels like any big object: hub publish → school pull → USB export in FAT32 parts → import elsewhere;
a newer ZIM of the same book replaces the old one in one switch."""

from __future__ import annotations

import hashlib
import json
import shutil

import pytest
from nacl.signing import SigningKey
from nginx_hub import nginx
from sync_helpers import hub_and_school, pin_hub, publish_folder, pull
from test_books_import import books, library_with_book
from zims import CORNER, RAY, make_zim

from contentserver.db import db
from contentserver.library.bundle import open_library
from contentserver.library.fields import ManifestError
from contentserver.library.importer import ImportLimits
from contentserver.library.usb import export_library, import_stick
from sync.errors import EXIT_OK

KEY = SigningKey.generate()
PART = 100_000  # the 569,304-byte ZIM goes onto the stick in 6 parts


def test_a_book_goes_hub_to_school_to_stick_to_another_school(tmp_path, nginx, make_app, make_library):
    library = library_with_book(make_library, RAY)
    app, _server = hub_and_school(nginx, make_app, tmp_path / "hub", KEY, library, USB_PART_BYTES=PART)
    assert pull(app) == EXIT_OK
    sha = hashlib.sha256(RAY.read_bytes()).hexdigest()
    assert books(app)["ray"].zim_sha256 == sha and books(app)["ray"].library_id == "test-lib"
    reply = app.test_client().get("/books/ray/A/Ray_Charles")
    assert reply.status_code == 200 and b"Ray Charles" in reply.data

    stick = tmp_path / "stick"
    with app.app_context():
        export_library(stick, app.extensions["object_store"], PART)
    parts = sorted(stick.glob(f"objects/{sha[:2]}/{sha[2:]}.part*"))
    assert len(parts) == 6 and not (stick / "objects" / sha[:2] / sha[2:]).exists()

    other = make_app(DATA_DIR=str(tmp_path / "other"))
    pin_hub(other, "http://hub.invalid/", KEY)
    with other.app_context():
        result = import_stick(stick, other.extensions["object_store"], ImportLimits.from_config(other.config))
        db.session.remove()
    assert result.books == ["ray"]
    assert books(other)["ray"].zim_sha256 == sha
    assert other.test_client().get("/books/ray/A/Ray_Charles").status_code == 200


def test_a_newer_zim_replaces_the_book_at_one_switch(tmp_path, nginx, make_app, make_library):
    old = make_zim(tmp_path / "old.zim", [("a.html", "A", "text/html", "<p>old text</p>")], main="a.html")
    new = make_zim(tmp_path / "new.zim", [("a.html", "A", "text/html", "<p>new text</p>")], main="a.html")
    hub = tmp_path / "hub"
    app, _server = hub_and_school(
        nginx, make_app, hub, KEY, library_with_book(make_library, old, article_count=1), USB_PART_BYTES=PART
    )
    assert pull(app) == EXIT_OK
    client = app.test_client()
    assert b"old text" in client.get("/books/ray/a.html").data
    publish_folder(library_with_book(make_library, new, version=3, article_count=1), hub, KEY)
    assert pull(app) == EXIT_OK
    assert b"new text" in client.get("/books/ray/a.html").data
    assert books(app)["ray"].zim_sha256 == hashlib.sha256(new.read_bytes()).hexdigest()


def source_library_with_book(tmp_path, make_library, books_toml: str):
    folder = make_library(form="source")
    (folder / "books").mkdir()
    shutil.copy(CORNER, folder / "books" / "corner.zim")
    with open(folder / "library.toml", "a", encoding="utf-8") as out:
        out.write(books_toml)
    return folder


def test_the_source_form_lists_books_and_publish_carries_them(tmp_path, make_library):
    folder = source_library_with_book(
        tmp_path, make_library, '[[books]]\nfile = "books/corner.zim"\nsubject = "informatics"\n'
    )
    bundle = open_library(folder, 10_000_000, 1000)
    (book,) = bundle.manifest.books
    assert (book.id, book.title, book.lang, book.subject) == ("corner", "ZIM corner cases", "en", "informatics")
    assert bundle.manifest.written_version() == 2 and len(bundle.manifest.lessons) == 2
    result = publish_folder(folder, tmp_path / "hub", KEY)
    assert result.version == 1
    sha = hashlib.sha256(CORNER.read_bytes()).hexdigest()
    hub_manifest = json.loads((tmp_path / "hub" / "manifest.json").read_text("utf-8"))
    assert hub_manifest["format_version"] == 2 and hub_manifest["books"][0]["zim"]["sha256"] == sha


def test_a_source_book_outside_the_library_folder_is_refused(tmp_path, make_library):
    folder = source_library_with_book(tmp_path, make_library, f'[[books]]\nfile = "../{"x" * 3}.zim"\n')
    with pytest.raises(ManifestError, match="not a file inside the library folder"):
        open_library(folder, 10_000_000, 1000)
