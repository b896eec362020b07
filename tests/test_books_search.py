"""Searching books: articles through the lessons' analyzers, redirects as titles, a source filter, background
indexing that resumes after kill -9, and an honest answer for a book not indexed yet."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import REPO
from test_books_import import do_import
from zims import BELARUSIAN, RAY

from contentserver.books.indexing import index_pending
from contentserver.db import db
from contentserver.models import Book

RAY_ID, BE_ID = "wikipedia-en-ray-charles", "kiwix-wikibooks-be-all"


@pytest.fixture
def indexed(app):
    do_import(app, RAY)
    do_import(app, BELARUSIAN)
    assert index_pending(app) > 0
    return app


def api(client, **args) -> dict:
    reply = client.get("/api/search", query_string=args)
    assert reply.status_code == 200, reply.data
    return reply.get_json()


def test_an_english_word_finds_the_article_with_a_marked_snippet(indexed):
    found = api(indexed.test_client(), q="glaucoma")
    assert found["unindexed_books"] == []
    first = found["articles"][0]
    assert (first["book"], first["path"], first["title"]) == (RAY_ID, "A/Ray_Charles", "Ray Charles")
    assert first["url"] == f"/books/{RAY_ID}/A/Ray_Charles" and "<mark>glaucoma</mark>" in first["snippet"]
    assert indexed.test_client().get(first["url"]).status_code == 200


def test_an_inflected_english_word_is_stemmed_like_a_lessons(indexed):
    paths = [a["path"] for a in api(indexed.test_client(), q="pianists")["articles"]]
    assert "A/Ray_Charles" in paths


def test_a_belarusian_cyrillic_word_finds_its_article(indexed):
    found = api(indexed.test_client(), q="калекцыю")
    assert [a["book"] for a in found["articles"]][:1] == [BE_ID]
    assert "<mark>калекцыю</mark>" in found["articles"][0]["snippet"]


def test_a_redirect_title_finds_its_target_once(indexed):
    paths = [a["path"] for a in api(indexed.test_client(), q="Herbie Hancock single")["articles"]]
    assert paths[0] == "A/A_Song_for_You" and paths.count("A/A_Song_for_You") == 1


def test_the_source_filter(indexed):
    client = indexed.test_client()
    only_be = api(client, q="калекцыю glaucoma", source=f"book:{BE_ID}")["articles"]
    assert only_be and {a["book"] for a in only_be} == {BE_ID}
    assert api(client, q="glaucoma", source="lessons")["articles"] == []
    assert client.get("/api/search", query_string={"q": "x", "source": "book:no-such"}).status_code == 404
    page = client.get("/search", query_string={"q": "glaucoma"}, headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert " results</p>" in html and f'href="/books/{RAY_ID}/A/Ray_Charles"' in html
    assert f'<option value="book:{RAY_ID}"' in html


def test_a_book_not_indexed_yet_says_so(app):
    do_import(app, RAY)
    found = api(app.test_client(), q="glaucoma")
    assert found["articles"] == [] and found["unindexed_books"] == [RAY_ID]
    page = app.test_client().get("/search?q=glaucoma", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Ray Charles is still being prepared for search" in page


INDEX_SLOWLY = """
import sys
from contentserver import create_app
from contentserver.books import indexing, textindex
textindex.BATCH = int(sys.argv[2])
app = create_app({"DATA_DIR": sys.argv[1], "STARTER_LIBRARY": "", "TESTING": True})
indexing.index_pending(app)
"""


def run_indexer(data_dir, batch: int) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    return subprocess.Popen([sys.executable, "-c", INDEX_SLOWLY, str(data_dir), str(batch)], cwd=REPO, env=env)


def upto(app) -> tuple[int, bool]:
    with app.app_context():
        book = db.session.get(Book, RAY_ID)
        db.session.expire_all()
        return book.indexed_upto, book.indexed_done


def test_indexing_killed_with_sigkill_resumes_where_it_stopped(app, data_dir):
    do_import(app, RAY)
    proc = run_indexer(data_dir, 1)
    deadline = time.monotonic() + 60
    while upto(app)[0] < 5 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    stopped_at, done = upto(app)
    assert 5 <= stopped_at < 371 and not done, "the kill came too late to test a resume"
    assert run_indexer(data_dir, 100).wait(120) == 0
    assert upto(app) == (371, True)
    found = api(app.test_client(), q="glaucoma")
    assert found["articles"][0]["path"] == "A/Ray_Charles" and found["unindexed_books"] == []
    paths = [a["path"] for a in api(app.test_client(), q="Ray Charles", limit=50)["articles"]]
    assert len(paths) == len(set(paths)), "a batch done twice left duplicates"


def test_suggest_offers_article_titles_and_redirect_titles(indexed):
    for headers in ({}, {"Cookie": "session=x"}):  # answered in front of Flask, and by Flask itself
        found = indexed.test_client().get("/api/suggest?q=ray cha", headers=headers).get_json()["suggestions"]
        assert {"id": f"{RAY_ID}/A/Ray_Charles", "title": "Ray Charles", "lang": "en"}.items() <= found[0].items()
        assert found[0]["url"] == f"/books/{RAY_ID}/A/Ray_Charles"
    redirected = indexed.test_client().get("/api/suggest?q=herbie hanc").get_json()["suggestions"]
    assert [s["title"] for s in redirected] == ["A Song for You"]  # via 'A Song for You (Herbie Hancock single)'
    opensearch = indexed.test_client().get("/api/suggest?q=перша&format=opensearch").get_json()
    assert opensearch == ["перша", ["Першая старонка"]]


KAZAKH_PAGE = (
    "<html><body><h1>Фотосинтез</h1>"
    "<p>Өсімдіктер жапырақтарында күн сәулесінің көмегімен қант жасайды. {}</p></body></html>"
)


def test_a_kazakh_word_in_latin_or_without_kazakh_letters_finds_the_cyrillic_article(app, tmp_path):
    from zims import make_zim

    pages = [(f"p{i}.html", f"Бет {i}", "text/html", KAZAKH_PAGE.format("Тау мен өзен." * i)) for i in range(3)]
    pages.append(("other.html", "Басқа", "text/html", "<html><body><p>Мектеп кітапханасы.</p></body></html>"))
    zim = make_zim(tmp_path / "kk.zim", pages, name="wikipedia_kk_test", language="kaz", main="p0.html")
    do_import(app, zim)
    index_pending(app)
    client = app.test_client()
    for query in ("жапырақтарында", "japyraqtarynda", "жапырактарында", "өсімдік"):  # Cyrillic, Latin, no ә/қ, stem
        found = api(client, q=query)["articles"]
        assert found and found[0]["book"] == "wikipedia-kk-test" and found[0]["lang"] == "kk", query
        assert "other.html" not in [a["path"] for a in found]


def test_lessons_and_articles_are_ranked_together_on_the_search_page(indexed, make_library, import_library_into):
    from conftest import lesson_spec

    lesson = lesson_spec("glaucoma-eyes", title="Glaucoma and the eyes", body="# Glaucoma\n\nGlaucoma hurts eyes.\n")
    import_library_into(indexed, make_library([lesson]))
    page = indexed.test_client().get("/search?q=glaucoma", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Articles in books" not in page and " results</p>" in page
    ranked = page.split('<ol class="lessons results"', 1)[1].split("</ol>", 1)[0]
    assert 'href="/lessons/glaucoma-eyes"' in ranked and f'href="/books/{RAY_ID}/A/Ray_Charles"' in ranked
    lessons_only = indexed.test_client().get("/search?q=glaucoma&source=lessons").get_data(as_text=True)
    assert f"/books/{RAY_ID}/" not in lessons_only.split("</form>", 1)[1]
