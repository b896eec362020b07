"""/admin/ and /api/admin/status (issue 23) over real waitress: what students did, counted and shown, admin only."""

from __future__ import annotations

import json
import shutil
import urllib.parse

import jsonschema_rs  # schemathesis's validator (tests only)
import pytest
from conftest import REPO
from teach_http import Client, add_user

from contentserver.status.uplink import CLOCK_TOLERANCE

LESSONS = ["math-circle-kk", "geo-balkhash-kk", "hist-yasawi-ru"]


@pytest.fixture
def site(start_server, starter_data, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(starter_data, data_dir)  # content/ imported, as run.py's first start leaves it
    add_user(data_dir, "boss", admin=True)
    add_user(data_dir, "tina")
    server = start_server(data_dir=data_dir)
    student = Client(server.url)
    for n, lesson in enumerate(LESSONS):
        for _ in range(n + 1):
            assert student.get(f"/lessons/{lesson}").status == 200
    assert student.get("/lessons/no-such-lesson").status == 404
    for words in ("Балқаш", "балқаш ", "qwzxv", "QWZXV", "несуществующее"):
        assert student.get("/search?" + urllib.parse.urlencode({"q": words})).status == 200
    return server


def _as_json_schema(node):
    """OpenAPI 3.0's `nullable` as JSON Schema's null type, so jsonschema checks what the document promises."""
    if isinstance(node, list):
        return [_as_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _as_json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    return out


def assert_documented(status: dict) -> None:
    document = json.loads((REPO / "contentserver" / "views" / "openapi.json").read_text("utf-8"))
    schema = {"$ref": "#/components/schemas/Status", "components": _as_json_schema(document["components"])}
    jsonschema_rs.validate(schema, status)


def _logged_in(server, name: str) -> Client:
    client = Client(server.url)
    assert client.login(name).status == 303
    return client


def test_the_admin_sees_the_students_traffic_in_aggregate_as_json(site):
    status = json.loads(_logged_in(site, "boss").get("/api/admin/status").text)
    assert status["format"] == "contentserver-status/1"
    assert_documented(status)
    usage = status["usage"]
    today = usage["days"][-1]
    assert today["pages"] >= 6 + 5 and today["searches"] == 5
    assert [(row["id"], row["count"]) for row in usage["top_lessons"]] == [
        ("hist-yasawi-ru", 3),
        ("geo-balkhash-kk", 2),
        ("math-circle-kk", 1),
    ]
    assert all(row["title"] for row in usage["top_lessons"]), "shown by their titles"
    nothing = {(row["query"], row["script"]): row["count"] for row in usage["no_result_searches"]}
    assert nothing[("qwzxv", "Latn")] == 2 and nothing[("несуществующее", "Cyrl")] == 1
    assert ("балқаш", "Cyrl") not in nothing, "found in the starter library"
    assert {(row["query"], row["lang"]): row["count"] for row in usage["top_searches"]}[("балқаш", "kk")] == 2
    storage, content = status["storage"], status["content"]
    assert storage["objects"] > 0 and storage["object_bytes"] > 0 and storage["free_bytes"] > 0
    assert storage["search_index_bytes"] > 0 and storage["warning"] is None
    assert [lib["version"] for lib in content["libraries"]] == [1] and content["libraries"][0]["installed_at"]
    health = status["health"]
    assert health["requests_last_hour"] >= 12 and health["p95_ms"] > 0 and health["rss_bytes"] > 10**7
    assert health["errors_last_hour"] == 0
    assert status["sync"]["last_pull"] is None and status["clock"]["offset_seconds"] is None


def test_the_status_is_for_admins_only(site):
    anonymous = Client(site.url).get("/api/admin/status")
    assert anonymous.status == 401 and json.loads(anonymous.text)["error"]["status"] == 401
    assert _logged_in(site, "tina").get("/api/admin/status").status == 403
    assert Client(site.url).get("/admin/").status in (302, 303)


def test_the_admin_page_draws_the_figures_without_javascript(site):
    page = _logged_in(site, "boss").get("/admin/").text
    assert page.count('<svg class="chart"') == 2, "pages and searches per day (no link chart before a sync)"
    assert "qwzxv" in page and "несуществующее" in page
    assert "<script" not in page.split('id="h-status"')[1].split("</section>")[0]
    assert 'id="username"' in page, "the accounts are still managed on the same page"


def test_the_disk_reserve_and_the_monthly_cap_warn_before_they_bite(start_server, tmp_path):
    data_dir = tmp_path / "data"
    add_user(data_dir, "boss", admin=True)
    server = start_server(
        data_dir=data_dir,
        starter="",
        env={"CONTENTSERVER_DISK_RESERVE_BYTES": str(10**15), "CONTENTSERVER_SYNC_MONTHLY_CAP_BYTES": "1"},
    )
    admin = _logged_in(server, "boss")
    status = json.loads(admin.get("/api/admin/status").text)
    assert status["storage"]["warning"] == "below_reserve"
    assert status["sync"]["monthly_cap_bytes"] == 1 and status["sync"]["cap_warning"] is False, "nothing used yet"
    assert "The disk is nearly full" in admin.get("/admin/").text


def test_the_clock_tolerance_is_a_minute():
    assert CLOCK_TOLERANCE == 60


def test_the_admin_sees_what_is_being_indexed_and_transcoded(make_app, make_library):
    from conftest import FAKE_MP4, import_into, lesson_spec
    from flask import render_template

    from contentserver.db import db
    from contentserver.models import Book, VideoJob
    from contentserver.status.collect import box_status
    from contentserver.video import queue
    from contentserver.views.admin_connectivity import link_charts
    from contentserver.views.admin_status import status_view

    app = make_app()
    videos = {"film.mp4": FAKE_MP4, "clip.mp4": FAKE_MP4 + b"\0"}
    import_into(app, make_library([lesson_spec("film", body="# Film\n", attachments=videos)]))
    with app.app_context():
        assert box_status(app)["content"]["videos"] == {"queued": 0, "failed": 0, "converting": []}
        assert queue.enqueue_missing() == 2
        running = queue.claim()
        queue.set_progress(running, 0.425)
        queue.enqueue("0" * 64)  # a video no lesson holds (a channel's), then refused
        refused = db.session.get(VideoJob, "0" * 64)
        queue.fail(refused, "not_video")
        # a book as its import leaves it while the search index is built, 40 of its 100 articles done
        book = Book(id="wiki-kk", title="Уикипедия", lang="kk", zim_sha256="1" * 64, zim_size=10, article_count=100)
        book.indexed_upto = 40
        db.session.add(book)
        db.session.commit()
        books = box_status(app)["content"]["books"]
        videos_now = box_status(app)["content"]["videos"]
        assert_documented(box_status(app))
        db.session.remove()
    assert videos_now["queued"] == 1 and videos_now["failed"] == 1
    assert [(b["id"], b["indexed"], b["indexed_articles"], b["articles"]) for b in books] == [
        ("wiki-kk", False, 40, 100)
    ]
    [converting] = videos_now["converting"]
    assert converting["lesson_id"] == "film" and converting["progress"] == 0.425
    assert converting["name"] in videos
    with app.test_request_context(headers={"Accept-Language": "en"}):
        html = render_template("admin/_status.html", **status_view(), link=link_charts())
        db.session.remove()
    assert f"Making a small copy for phones of the video {converting['name']}: 42% done." in html
    assert "Videos waiting for their small copy for phones: 1." in html
    assert "Videos that could not be converted: 1" in html
    assert "Indexing the book Уикипедия for search: 40 of 100 articles." in html


def test_the_health_figures_count_server_errors_and_the_95th_percentile():
    from contentserver.health import MAX_ERRORS_KEPT, RequestStats
    from contentserver.usage.counter import UsageCounter
    from contentserver.views.usage_layer import UsageLayer

    stats = RequestStats()
    for _ in range(95):
        stats.record(0.010, "200 OK", "/")
    for n in range(4):
        stats.record(2.0, "503 SERVICE UNAVAILABLE", f"/search/{n}")

    def broken(environ, start_response):
        raise RuntimeError("a bug")

    with pytest.raises(RuntimeError):
        UsageLayer(broken, UsageCounter("Asia/Almaty"), stats)({"PATH_INFO": "/lessons/x"}, lambda *a: None)
    hour = stats.last_hour()
    assert hour.requests == 100 and hour.errors == 5
    assert 0.010 <= hour.p95_seconds < 0.010 * 1.25, "the histogram's slot that holds the 95th answer"
    assert len(hour.recent_errors) == MAX_ERRORS_KEPT
    assert [(status[:3], path) for _at, status, path in hour.recent_errors][-1] == ("500", "/lessons/x")
    assert hour.per_minute > 0


def test_free_disk_warns_from_twice_the_reserve(app, data_dir):
    from contentserver.status.storage import storage

    with app.app_context():
        free = shutil.disk_usage(data_dir).free
        assert storage(data_dir, free // 4)["warning"] is None
        assert storage(data_dir, int(free * 0.75))["warning"] == "low"
        assert storage(data_dir, free * 2)["warning"] == "below_reserve"


def test_the_most_read_books_are_counted_by_their_articles_and_shown_by_title(start_server, tmp_path):
    from test_books_browse import RAY_ID, import_zim
    from zims import RAY

    data_dir = tmp_path / "data"
    import_zim(data_dir, RAY)
    add_user(data_dir, "boss", admin=True)
    server = start_server(data_dir=data_dir, starter="")
    student = Client(server.url)
    for path in ("A/Ray_Charles", "A/Ray_Charles", "A/index", "I/m/Ray_Charles_classic_piano_pose.jpg"):
        assert student.get(f"/books/{RAY_ID}/{path}").status == 200
    status = json.loads(_logged_in(server, "boss").get("/api/admin/status").text)
    assert_documented(status)
    [book] = status["usage"]["top_books"]
    assert (book["id"], book["count"]) == (RAY_ID, 3), "three articles read; the picture is no page"
    assert book["title"] and status["storage"]["books"] == 1 and status["storage"]["book_bytes"] == RAY.stat().st_size
