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
