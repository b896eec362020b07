"""Usage up the link (issue 23): a school's sync push carries its usage days, a hub stores them per school and day,
refuses a malformed document whole, and sums the searches that found nothing across schools."""

from __future__ import annotations

import json
import uuid

import pytest
from nacl.signing import SigningKey
from push_helpers import school_with_shared_lesson
from push_hub import HUB_ENV, PREFIX, Pusher, register_school
from teach_http import Client, add_user
from test_admin_status import assert_documented

from contentserver import create_app
from contentserver.db import db
from contentserver.hub.schools import add_school
from contentserver.hub.usage import fruitless_searches
from contentserver.models import PushedLesson
from contentserver.usage.tables import HubUsageDay
from contentserver.views.usage_layer import flush_usage
from sync.errors import EXIT_OK
from sync.runner import push_all


@pytest.fixture
def hub(tmp_path, start_server):
    """A contentserver in hub mode under waitress; its database also open here."""
    data = tmp_path / "hub-data"
    hub_app = create_app({"DATA_DIR": str(data), "STARTER_LIBRARY": "", "HUB_MODE": True, "TESTING": True})
    add_user(data, "boss", admin=True)
    server = start_server(data_dir=data, starter="", env=HUB_ENV)
    yield hub_app, server.url
    with hub_app.app_context():
        db.session.remove()
        db.engine.dispose()


def _searched(app, *queries: str) -> None:
    client = app.test_client()
    for q in queries:
        assert client.get("/search", query_string={"q": q}).status_code == 200
    flush_usage(app)


def _push(app) -> int:
    with app.app_context():
        code = push_all(app, quiet=True)
        db.session.remove()
        return code


def _hub_days(hub_app) -> dict[str, dict]:
    with hub_app.app_context():
        days = {row.day: json.loads(row.summary) for row in db.session.scalars(db.select(HubUsageDay))}
        db.session.remove()
        return days


def test_a_push_carries_the_days_and_a_day_sent_again_replaces_the_hubs_copy(hub, make_app):
    hub_app, url = hub
    app = make_app()
    with hub_app.app_context():
        add_school("School 17, Aqsu", school_with_shared_lesson(app, url + "/hub/", 5000))
        db.session.remove()
    _searched(app, "фотосинтез", "Фотосинтез ", "qwzxv")
    assert _push(app) == EXIT_OK
    days = _hub_days(hub_app)
    (today,) = days
    assert days[today]["searches"] == 3
    fruitless = {(r["query"], r["script"]): r["count"] for r in days[today]["no_result_searches"]}
    assert fruitless == {("фотосинтез", "Cyrl"): 2, ("qwzxv", "Latn"): 1}
    assert not any("127.0.0.1" in json.dumps(day) for day in days.values())

    _searched(app, "фотосинтез")
    with app.app_context():  # the report is due again (a day later): the push goes up without a lesson
        db.session.execute(db.text("UPDATE outgoing_pushes SET committed_at = '2020-01-01 00:00:00.000000'"))
        db.session.commit()
        db.session.remove()
    assert _push(app) == EXIT_OK
    again = _hub_days(hub_app)[today]
    assert again["searches"] == 4, "replaced with the school's new total, not added to the old one"
    admin = Client(url)
    assert admin.login("boss").status == 303
    status = json.loads(admin.get("/api/admin/status").text)
    assert_documented(status)
    assert [(r["query"], r["count"], r["schools"]) for r in status["hub"]["no_result_searches"]] == [
        ("фотосинтез", 3, 1),
        ("qwzxv", 1, 1),
    ]
    page = admin.get("/admin/").text
    assert "Searches that found nothing, across schools" in page and "фотосинтез" in page.split("hub-searches")[1]
    with hub_app.app_context():
        assert fruitless_searches(today)[0] == {
            "query": "фотосинтез",
            "lang": "ru",
            "script": "Cyrl",
            "count": 3,
            "schools": 1,
        }


GOOD_DAY = {
    "date": "2026-12-05",
    "pages": 10,
    "searches": 2,
    "lessons": [{"id": "math-circle-kk", "count": 4}],
    "books": [],
    "top_searches": [{"query": "абай", "lang": "kk", "script": "Cyrl", "count": 2}],
    "no_result_searches": [{"query": "қарлығаш", "lang": None, "script": "Cyrl", "count": 1}],
}


def _usage(**day) -> dict:
    return {"format": "contentserver-usage/1", "days": [{**GOOD_DAY, **day}]}


@pytest.mark.parametrize(
    "usage",
    [
        {"format": "contentserver-usage/2", "days": []},
        {"format": "contentserver-usage/1", "days": "yesterday"},
        _usage(date="2026-13-40"),
        _usage(pages=-1),
        _usage(searches=True),
        _usage(lessons=[{"id": "x", "count": "many"}]),
        _usage(no_result_searches=[{"query": "я" * 401, "lang": "kk", "script": "Cyrl", "count": 1}]),
        _usage(top_searches=[{"query": "x", "count": 1}] * 501),
        _usage(books={"id": "wiki"}),
        "usage",
    ],
    ids=["format", "days", "date", "negative", "bool", "count", "long-query", "too-many", "not-a-list", "string"],
)
def test_a_malformed_usage_is_refused_whole_and_nothing_of_the_push_is_kept(make_app, start_server, data_dir, usage):
    app = make_app(HUB_MODE=True)
    key = SigningKey.generate()
    register_school(app, "School 17, Aqsu", key)
    school = Pusher(start_server(data_dir=data_dir, starter="", env=HUB_ENV).url, key)
    assert school.open().status == 200
    body = {"push_id": uuid.uuid4().hex, "lessons": [], "report": None, "usage": usage}
    reply = school.signed("POST", PREFIX + "commit", json.dumps(body).encode())
    assert reply.status == 422 and "usage" in reply.body["error"]["message"], reply
    good = {"push_id": uuid.uuid4().hex, "lessons": [], "report": None, "usage": _usage()}
    assert school.signed("POST", PREFIX + "commit", json.dumps(good).encode()).status == 200
    with app.app_context():
        assert [row.day for row in db.session.scalars(db.select(HubUsageDay))] == ["2026-12-05"]
        assert not list(db.session.scalars(db.select(PushedLesson)))


def test_a_school_without_a_link_brings_its_usage_on_the_stick_signed_with_its_report(tmp_path, make_app, make_library):
    from conftest import import_into
    from test_school_reports import cli

    school_dir, hub_dir, stick = tmp_path / "data", tmp_path / "hub", tmp_path / "stick"
    app = make_app()
    import_into(app, make_library())
    _searched(app, "қарлығаш", "Бета")
    made = cli("keygen", "--name", "school", data=school_dir)
    assert made.returncode == 0, made.stderr
    public = made.stdout.split("public key:")[1].split()[0]
    exported = cli("export", str(stick), data=school_dir)
    assert exported.returncode == 0, exported.stderr
    assert (stick / "usage.json.sig").exists()
    assert cli("school", "add", "village-7", "--key", public, data=hub_dir).returncode == 0

    usage = (stick / "usage.json").read_text("utf-8")
    (stick / "usage.json").write_text(usage.replace('"count": 1', '"count": 1000'), "utf-8")
    forged = cli("import-report", str(stick), data=hub_dir)
    assert forged.returncode != 0 and "usage.json is not signed by school village-7" in forged.stderr
    (stick / "usage.json").write_text(usage, "utf-8")
    for _ in range(2):  # a stick imported twice counts once
        stored = cli("import-report", str(stick), data=hub_dir)
        assert stored.returncode == 0, stored.stderr
        assert "usage of school village-7: 1 days stored" in stored.stdout
    hub = make_app(DATA_DIR=str(hub_dir))
    (day,) = _hub_days(hub).values()
    assert day["searches"] == 2
    assert [(r["query"], r["count"]) for r in day["no_result_searches"]] == [("қарлығаш", 1)]
