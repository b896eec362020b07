"""The box's clock against the hub's (issue 23): a real pull records the hub's Date against ours, the report
carries the offset, and the admin's status warns past a minute."""

from __future__ import annotations

import functools
import http.server
import threading
import time
from pathlib import Path

import pytest
from conftest import CONTENT, free_port
from nacl.signing import SigningKey
from nginx_hub import nginx
from sync_helpers import hub_and_school, pin_hub, publish_folder, pull
from teach_http import Client, add_user

from contentserver.connectivity import build_report
from contentserver.db import db
from contentserver.status.collect import box_status
from contentserver.views.admin_status import attention
from sync.clock import clock_offset
from sync.errors import EXIT_OK

AHEAD = 300  # the hub's clock runs five minutes ahead of the box's (or the box's five behind)


class _HubAhead(http.server.SimpleHTTPRequestHandler):
    """A hub folder served with a Date five minutes ahead, as a box whose clock is behind would see it."""

    def date_time_string(self, timestamp=None):
        return super().date_time_string((timestamp or time.time()) + AHEAD)

    def log_message(self, *args):
        pass


def _status(app) -> dict:
    with app.app_context():
        status = box_status(app)
        db.session.remove()
        return status


def test_a_pull_from_a_hub_with_the_right_time_records_no_offset_worth_a_warning(
    tmp_path, nginx, make_app, start_server
):
    app, _server = hub_and_school(nginx, make_app, tmp_path / "hub", SigningKey.generate(), CONTENT)
    assert pull(app) == EXIT_OK
    add_user(Path(app.config["DATA_DIR"]), "boss", admin=True)
    admin = Client(start_server(data_dir=Path(app.config["DATA_DIR"]), starter="").url)
    assert admin.login("boss").status == 303
    page = admin.get("/admin/").text
    assert page.count('<svg class="chart"') == 3, "the link's availability beside pages and searches per day"
    assert "The box's clock agrees with the hub's" in page.replace("&#39;", "'")
    clock = _status(app)["clock"]
    assert clock["offset_seconds"] is not None and abs(clock["offset_seconds"]) < 3 and not clock["warning"]
    with app.app_context():
        day = build_report("", "")["days"][-1]
    assert abs(day["clock_offset_seconds"]) < 3
    assert _status(app)["sync"]["last_pull"]["ok"] is True


def test_a_box_five_minutes_behind_the_hub_is_warned_about_and_reports_it(tmp_path, make_app):
    key = SigningKey.generate()
    hub_dir = tmp_path / "hub"
    publish_folder(CONTENT, hub_dir, key)
    handler = functools.partial(_HubAhead, directory=str(hub_dir))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        app = make_app()
        pin_hub(app, f"http://127.0.0.1:{server.server_address[1]}/", key)
        try:
            pull(app)  # how it ends does not matter: every answer carried the hub's Date
        finally:
            server.shutdown()
            thread.join()
    clock = _status(app)["clock"]
    assert AHEAD - 3 < clock["offset_seconds"] < AHEAD + 3 and clock["warning"]
    with app.app_context():
        assert AHEAD - 3 < build_report("", "")["days"][-1]["clock_offset_seconds"] < AHEAD + 3


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Sat, 05 Dec 2026 12:00:00 GMT", 0.5),  # whole seconds: +0.5 is the middle of the second it names
        ("Sat, 05 Dec 2026 12:05:00 GMT", 300.5),
        (None, 7.0),  # no Date: the last offset stands
        ("yesterday", 7.0),
        ("Sat, 05 Dec 99999 12:00:00 GMT", 7.0),
    ],
)
def test_the_offset_is_the_hubs_date_against_the_middle_of_the_exchange(header, expected):
    noon = 1796472000.0  # 2026-12-05 12:00:00 UTC
    assert clock_offset(header, noon - 1, noon + 1, 7.0) == expected


def test_the_sync_service_records_its_next_attempt_for_the_admin(tmp_path, nginx, make_app):
    from datetime import UTC, datetime, timedelta

    from sync.service import run_service

    app, _server = hub_and_school(
        nginx,
        make_app,
        tmp_path / "hub",
        SigningKey.generate(),
        CONTENT,
        SYNC_INTERVAL_SECONDS=3600.0,
        SYNC_MONTHLY_CAP_BYTES=100_000,  # the starter library is larger: one pull passes 90 % of it
    )
    stop = threading.Event()

    def announce(line: str) -> None:
        if "next in" in line:
            stop.set()  # one round

    before = datetime.now(UTC)
    with app.app_context():
        assert run_service(app, stop, announce=announce) == EXIT_OK
        db.session.remove()
    sync = _status(app)["sync"]
    upcoming = datetime.fromisoformat(sync["next_attempt"].replace("Z", "+00:00"))
    assert before + timedelta(seconds=3590) < upcoming < datetime.now(UTC) + timedelta(seconds=3601)
    assert not sync["next_attempt_overdue"] and sync["last_pull"]["ok"] and sync["bytes_this_month"] > 0
    assert sync["last_push"] is None or sync["last_push"]["ok"]
    assert sync["monthly_cap_bytes"] == 100_000 and sync["cap_warning"]
    with app.test_request_context(headers={"Accept-Language": "en"}):
        warned = attention(_status(app))
    assert any(text.startswith("Sync has used") for text in warned), warned


def test_a_failed_pull_is_shown_with_its_outcome_and_said_at_the_top(make_app):
    app = make_app(SYNC_GIVE_UP_SECONDS=1.0, SYNC_BACKOFF_MAX_SECONDS=0.2)
    pin_hub(app, f"http://127.0.0.1:{free_port()}/", SigningKey.generate())  # nothing listens there
    assert pull(app) != EXIT_OK
    status = _status(app)
    last = status["sync"]["last_pull"]
    assert last["ok"] is False and last["exit_code"] != 0 and last["error"] and status["sync"]["hubs"]
    assert status["sync"]["last_successful_pull"] is None and status["clock"]["offset_seconds"] is None
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert "The last sync with the hub failed." in attention(status)
