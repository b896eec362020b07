"""Search over real HTTP (waitress on a free loopback port): page, JSON API, suggest, filters, paging, hostile input."""

from __future__ import annotations

import json
import threading
import urllib.parse
from pathlib import Path

import pytest
from conftest import Elements, external_urls, http_get, import_into, lesson_spec, xss_vectors
from waitress import wasyncore
from waitress.server import create_server

from bench.search_corpus import LESSONS, read_jsonl
from contentserver import create_app
from contentserver.db import db

MARKER = "zebrafish"
UNCLOSED = "<img src=x onerror=alert(1)//"


class Server:
    def __init__(self, app):
        self.app = app
        self.server = create_server(app, host="127.0.0.1", port=0, threads=4)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        """waitress's loop, in steps, so that it can be stopped before its sockets are closed."""
        while not self.stopping.is_set():
            wasyncore.loop(timeout=0.05, map=self.server._map, count=1)

    def get(self, path: str, **params) -> tuple[int, str, str]:
        query = ("?" + urllib.parse.urlencode(params)) if params else ""
        status, headers, body = http_get(self.url + path + query, {"Accept-Language": "en"}, timeout=20)
        return status, headers.get("Content-Type", ""), body.decode("utf-8")

    def json(self, path: str, **params) -> dict:
        status, kind, body = self.get(path, **params)
        assert status == 200 and kind.startswith("application/json"), (status, body[:300])
        return json.loads(body)

    def close(self) -> None:
        """Stop the loop, then close the listening socket and open connections, then the worker threads."""
        self.stopping.set()
        self.thread.join(timeout=10)
        for channel in list(self.server._map.values()):
            channel.close()
        self.server.task_dispatcher.shutdown()


def corpus_lessons() -> list[dict]:
    lessons = [
        lesson_spec(
            row["id"],
            title=row["title"],
            lang=row["lang"],
            script=row["script"],
            subject=row["subject"],
            grade=row["grade"],
            tags=[],
            body=row["body"],
        )
        for row in read_jsonl(LESSONS)
    ]
    for i, vector in enumerate(xss_vectors() + [UNCLOSED]):
        lessons.append(
            lesson_spec(
                f"xss-{i:02d}-en",
                title=f"Aquarium fish {i}",
                subject="science",
                grade=5,
                body=f"# Aquarium fish {i}\n\nThe {MARKER} swims. {vector} The {MARKER} eats.\n",
            )
        )
    return lessons


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("search-http")
    from conftest import write_source_library

    library = write_source_library(tmp / "library", corpus_lessons())
    app = create_app(
        {
            "TESTING": True,
            "DATA_DIR": str(tmp / "data"),
            "STARTER_LIBRARY": "",
            "SEARCH_MAX_CONCURRENT": 1,
            "SEARCH_QUEUE_SECONDS": 0.05,
        }
    )
    import_into(app, library)
    live = Server(app)
    yield live
    live.close()
    app.extensions["indexer"].close()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def result_ids(page: str) -> list[str]:
    return [
        attrs["href"].rsplit("/", 1)[-1]
        for attrs in Elements(page.split('class="lessons results"', 1)[-1].split("</ol>", 1)[0]).find("a")
        if attrs.get("href", "").startswith("/lessons/") and "title" not in attrs
    ]


def test_search_page_ranks_the_query_language_first_and_needs_no_javascript(server):
    status, kind, page = server.get("/search", q="жүрегіміздің құрылысы")
    assert status == 200 and kind.startswith("text/html")
    assert result_ids(page)[0] == "sci-heart-kk"
    form = Elements(page).find("form")
    assert any(f.get("action") == "/search" and f.get("method") == "get" for f in form)
    assert "<mark>" in page


def test_other_versions_of_a_topic_show_as_also_in(server):
    _, _, page = server.get("/search", q="photosynthesis")
    assert result_ids(page)[0] == "sci-photosynthesis-en"
    also = page.split('class="meta also-in"', 1)[1].split("</p>", 1)[0]
    for other in ("sci-photosynthesis-ru", "sci-photosynthesis-kk", "sci-photosynthesis-kk-latn"):
        assert f"/lessons/{other}" in also


def test_api_search_returns_ranked_json(server):
    data = server.json("/api/search", q="zher silkinisi", limit=3)
    assert data["lang"] == "kk"
    first = data["results"][0]
    assert first["id"] in ("geo-volcanoes-kk", "geo-volcanoes-kk-latn")
    assert set(first) >= {"id", "title", "lang", "snippet", "url", "score"}
    assert first["url"] == f"/lessons/{first['id']}"
    assert len(data["results"]) <= 3


def test_api_lang_filter(server):
    data = server.json("/api/search", q="heart сердце жүрек", lang="ru")
    assert data["results"] and all(r["lang"] == "ru" for r in data["results"])


def test_page_filters_by_subject_grade_and_type(server):
    _, _, page = server.get("/search", q="жүрек heart сердце", subject="science", grade="8")
    assert result_ids(page) and all(i.startswith("sci-heart") for i in result_ids(page))
    _, _, page = server.get("/search", q="heart", type="video")
    assert result_ids(page) == []
    _, _, page = server.get("/search", q="heart", subject="<bad>", grade="x", lang="zz", type="nope")
    assert result_ids(page)  # malformed filters are ignored, not errors


def test_paging(server):
    first = server.json("/api/search", q="water су вода", limit=3, page=1)
    second = server.json("/api/search", q="water су вода", limit=3, page=2)
    assert first["pages"] >= 2 and second["page"] == 2
    assert {r["id"] for r in first["results"]}.isdisjoint({r["id"] for r in second["results"]})
    _, _, page = server.get("/search", q=MARKER)
    assert 'rel="next"' in page and 'rel="prev"' not in page
    _, _, page2 = server.get("/search", q=MARKER, page=2)
    assert 'rel="prev"' in page2
    assert set(result_ids(page)).isdisjoint(result_ids(page2))


def test_suggest_completes_titles_as_you_type(server):
    data = server.json("/api/suggest", q="пифаг")
    assert any("Пифагор" in s["title"] for s in data["suggestions"])
    status, _, body = server.get("/api/suggest", q="saig", format="opensearch")
    query, titles = json.loads(body)
    assert query == "saig" and titles


def test_did_you_mean_offers_a_correction_that_finds_more(server):
    _, _, page = server.get("/search", q="photosintesis")
    link = [a for a in Elements(page).find("a") if a.get("class") == "did-you-mean"]
    assert link and "photosynthesis" in urllib.parse.unquote_plus(link[0]["href"])
    assert server.json("/api/search", q="photosintesis")["suggestion"] == "photosynthesis"


def test_xss_in_a_lesson_body_never_reaches_a_snippet_unescaped(server):
    data = server.json("/api/search", q=MARKER, limit=50)
    assert len(data["results"]) == len(xss_vectors()) + 1
    for result in data["results"]:
        tags = Elements(result["snippet"]).elements
        assert tags and all(tag == "mark" and not attrs for tag, attrs in tags), result["snippet"]
    unclosed = next(r for r in data["results"] if r["id"] == f"xss-{len(xss_vectors()):02d}-en")
    assert "&lt;img src=x onerror=alert(1)//" in unclosed["snippet"]  # shown as text, escaped
    for number in (1, 2, 3):
        _, _, page = server.get("/search", q=MARKER, page=number)
        elements = Elements(page)
        assert all(attrs.get("src") for attrs in elements.find("script"))  # only the site's own script files
        assert not [(t, a) for t, a in elements.elements if any(name.startswith("on") for name in a)]
        assert external_urls(page) == [] and UNCLOSED not in page


def test_busy_search_gets_a_clear_503_while_browsing_still_works(server):
    assert server.get("/search", q="photosynthesis")[0] == 200
    with server.app.extensions["search_limiter"].slot():  # every search slot taken
        status, kind, page = server.get("/search", q="volcano heart")
        assert status == 503 and kind.startswith("text/html")
        assert "try again" in page.lower()
        status, kind, body = server.get("/api/search", q="volcano heart")
        assert status == 503 and json.loads(body)["error"]["status"] == 503
        assert server.get("/lessons/sci-heart-en")[0] == 200
        assert server.get("/")[0] == 200
        assert server.get("/search", q="photosynthesis")[0] == 200  # just searched: answered from the cache
    assert server.get("/search", q="volcano heart")[0] == 200


@pytest.mark.parametrize(
    "hostile",
    [
        "",
        " ",
        "*",
        "~",
        "?",
        '"',
        '"unbalanced quote',
        "title:",
        "body:heart",
        "id:*",
        "heart~2",
        "hea*",
        "AND",
        "OR NOT",
        "(((",
        ")",
        "[a TO z]",
        "\\",
        "%00",
        "\x00",
        "🙂",
        "a" * 5000,
        "жүрек " * 400,
        "<script>alert(1)</script>",
    ],
)
def test_hostile_queries_get_results_or_a_message_never_a_500(server, hostile):
    status, _, page = server.get("/search", q=hostile)
    assert status == 200, page[-500:]
    assert "<script>alert(1)" not in page
    status, _, body = server.get("/api/search", q=hostile)
    assert status == 200
    status, _, body = server.get("/api/suggest", q=hostile)
    assert status == 200


def test_overlong_query_is_cut_with_a_notice(server):
    _, _, page = server.get("/search", q="heart " * 100)
    assert "only its beginning was used" in page


def test_opensearch_description_points_at_the_search_page(server):
    status, kind, body = server.get("/opensearch.xml")
    assert status == 200 and kind.startswith("application/opensearchdescription+xml")
    assert f"{server.url}/search?q={{searchTerms}}" in body
    _, _, home = server.get("/")
    assert any(a.get("rel") == "search" for a in Elements(home).find("link"))
    assert any(f.get("action") == "/search" for f in Elements(home).find("form"))  # the header's search box
