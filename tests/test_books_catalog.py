"""The OPDS 1.2 catalog, read by a real Atom/OPDS parser (feedparser): books, lessons by subject, search link."""

from __future__ import annotations

import feedparser
from conftest import lesson_spec
from test_books_import import do_import
from zims import BELARUSIAN, RAY

RAY_ID = "wikipedia-en-ray-charles"


def feed(client, path: str):
    reply = client.get(path, headers={"Accept-Language": "en"})
    assert reply.status_code == 200 and reply.content_type.startswith("application/atom+xml;profile=opds-catalog")
    parsed = feedparser.parse(reply.data)
    assert not parsed.bozo, parsed.bozo_exception  # well-formed Atom
    return parsed


def test_the_catalog_lists_books_and_lessons_by_subject(app, make_library, import_library_into):
    specs = [lesson_spec(f"water-{i}", title=f"Water {i}", subject="science") for i in range(55)]
    import_library_into(app, make_library(specs))
    do_import(app, RAY)
    do_import(app, BELARUSIAN)
    client = app.test_client()

    root = feed(client, "/catalog/")
    assert "kind=navigation" in client.get("/catalog/").content_type
    assert [link.href for link in root.feed.links if link.rel == "search"] == ["/opensearch.xml"]
    sections = {entry.title: entry.links[0].href for entry in root.entries}
    assert sections["Books"] == "/catalog/books" and sections["Science"] == "/catalog/subjects/science"

    books = feed(client, "/catalog/books")
    by_title = {entry.title: entry for entry in books.entries}
    ray = by_title["Ray Charles"]
    assert (
        ray.dcterms_language == "en"
        and ray.dcterms_publisher == "Kiwix"
        and ray.author == "Wikipedia"
        and "129 articles" in ray.summary
    )
    links = {link.rel: link for link in ray.links}
    assert links["alternate"].href == f"/books/{RAY_ID}/" and links["alternate"].type == "text/html"
    acquisition = links["http://opds-spec.org/acquisition/open-access"]
    assert acquisition.type == "application/x-zim" and int(acquisition.length) == RAY.stat().st_size
    assert links["http://opds-spec.org/image/thumbnail"].href == f"/books/-/{RAY_ID}/illustration.png"
    assert by_title["Wikibooks"].dcterms_language == "bel"
    with client.get(acquisition.href) as download:
        assert download.status_code == 200 and download.data == RAY.read_bytes()
    with client.get(acquisition.href, headers={"Range": "bytes=0-3"}) as part:
        assert part.status_code == 206 and part.data == RAY.read_bytes()[:4]

    science = feed(client, "/catalog/subjects/science")
    assert len(science.entries) == 50
    following = [link.href for link in science.feed.links if link.rel == "next"]
    assert following == ["/catalog/subjects/science?page=2"]
    rest = feed(client, following[0])
    assert len(rest.entries) == 5 and not [link for link in rest.feed.links if link.rel == "next"]
    entry = science.entries[0]
    assert entry.links[0].rel == "http://opds-spec.org/acquisition/open-access"
    assert entry.links[0].href.startswith("/lessons/water-")


def test_unknown_catalog_paths_are_404(app):
    client = app.test_client()
    for path in ("/catalog/subjects/Bad..Slug", "/catalog/books/none.zim", "/catalog/subjects/science?page=9"):
        assert client.get(path).status_code == 404, path
