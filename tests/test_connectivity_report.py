"""The connectivity report: attempts recorded by real pulls survive a restart; the JSON is what the docs say."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import UTC, datetime, timezone
from pathlib import Path

from conftest import REPO, free_port, lesson_spec
from nacl.signing import SigningKey
from nginx_hub import nginx
from sync_helpers import hub_and_school, pin_hub, pull

from contentserver.connectivity import FORMAT, STICK_NAME, build_report
from contentserver.db import db
from contentserver.models import SyncAttempt
from sync.errors import EXIT_LINK

TYPES = {"string": str, "integer": int, "number": (int, float), "array": list, "object": dict}


def documented_fields() -> tuple[dict[str, str], dict[str, str]]:
    """The two tables of docs/connectivity.md: report fields and day fields -> their type column."""
    tables, current = [], None
    for line in (REPO / "docs" / "connectivity.md").read_text("utf-8").splitlines():
        match = re.match(r"\| `(\w+)` \| ([^|]+) \|", line)
        if match:
            if current is None:
                current = {}
                tables.append(current)
            current[match.group(1)] = match.group(2).strip()
        elif not line.startswith("|"):
            current = None
    return tables[0], tables[1]


def conforms(value, kind: str) -> bool:
    if kind.endswith(" or null") and value is None:
        return True
    expected = TYPES[kind.removesuffix(" or null")]
    return isinstance(value, expected) and not isinstance(value, bool)


def check_format(report: dict) -> None:
    top, day = documented_fields()
    assert set(report) == set(top)
    assert all(conforms(report[name], kind) for name, kind in top.items()), report
    for summary in report["days"]:
        assert set(summary) == set(day)
        assert all(conforms(summary[name], kind) for name, kind in day.items()), summary
        assert len(summary["uplink_availability_by_hour"]) == 24
        assert all(isinstance(e["message"], str) and isinstance(e["count"], int) for e in summary["errors"])


def test_attempts_of_real_pulls_are_recorded_and_survive_a_restart(tmp_path, nginx, make_app, make_library):
    key = SigningKey.generate()
    hub_dir = tmp_path / "hub"
    settings = dict(SYNC_GIVE_UP_SECONDS=0.5, SYNC_BACKOFF_MAX_SECONDS=0.1, SCHOOL_ID_GOVT="KZ-0042")
    app, server = hub_and_school(
        nginx, make_app, hub_dir, key, make_library([lesson_spec("one")], version=1, library_id="lib"), **settings
    )
    pin_hub(app, f"http://127.0.0.1:{free_port()}/", SigningKey.generate())  # nothing listens there
    assert pull(app) == EXIT_LINK
    with app.app_context():
        db.session.remove()
        db.engine.dispose()

    restarted = make_app(**settings)
    with restarted.app_context():
        rows = db.session.scalars(db.select(SyncAttempt).order_by(SyncAttempt.id)).all()
        assert [(r.reachable, r.exit_code) for r in rows] == [(True, 0), (False, EXIT_LINK)]
        assert rows[0].bytes_down > 0 and rows[1].bytes_down == 0 and "did not answer" in rows[1].error
        report = build_report("", restarted.config["SCHOOL_ID_GOVT"])
    check_format(report)
    (today,) = report["days"]
    assert (today["attempts"], today["reachable_attempts"], today["uplink_availability"]) == (2, 1, 0.5)
    assert today["school_id_govt"] == "KZ-0042" and today["last_success"].endswith("Z")
    assert today["errors"][0]["count"] == 1

    stick = tmp_path / "stick"  # a school without uplink sends it on the library's stick
    done = cli("export", str(stick), "--data", str(tmp_path / "data"), env={"CONTENTSERVER_SCHOOL_ID_GOVT": "KZ-0042"})
    assert done.returncode == 0, done.stderr
    assert json.loads((stick / STICK_NAME).read_text("utf-8"))["days"] == report["days"]
    neighbour = make_app(DATA_DIR=str(tmp_path / "neighbour"))
    pin_hub(neighbour, server.url, key)
    assert cli("import", str(stick), "--data", str(tmp_path / "neighbour")).returncode == 0  # the stick still imports


def test_daily_summary_takes_medians_and_availability_per_hour(make_app):
    app = make_app(SCHOOL_ID_GIGA="g-77")
    day = datetime(2026, 3, 2, tzinfo=UTC)
    with app.app_context():
        for hour, reachable, bps, ms in (
            (8, True, 400_000, 40),
            (8, False, None, None),
            (9, True, 500_000, 60),
            (9, True, 900_000, 50),
            (23, False, None, None),
        ):
            db.session.add(
                SyncAttempt(
                    started_at=day.replace(hour=hour),
                    hub_url="http://hub/",
                    reachable=reachable,
                    bytes_down=1000 if reachable else 0,
                    download_bps=bps,
                    latency_ms=ms,
                    exit_code=0 if reachable else EXIT_LINK,
                    error=None if reachable else "the hub did not answer",
                )
            )
        db.session.add(
            SyncAttempt(started_at=day.replace(month=1), hub_url="http://hub/", reachable=True, exit_code=0)
        )  # older than the report's 30 days
        db.session.commit()
        report = build_report("g-77", "", now=day.replace(hour=23, minute=59))
    check_format(report)
    assert report["format"] == FORMAT
    (summary,) = report["days"]
    assert summary["connectivity_speed"] == 500_000 and summary["connectivity_latency"] == 50
    assert summary["connectivity_upload_speed"] is None
    assert summary["uplink_availability"] == 0.6 and summary["bytes_down"] == 3000
    hours = summary["uplink_availability_by_hour"]
    assert (hours[8], hours[9], hours[23], hours[12]) == (0.5, 1.0, 0.0, None)
    assert summary["timestamp"] == "2026-03-02T09:00:00Z" and summary["last_success"] == "2026-03-02T09:00:00Z"
    assert summary["errors"] == [{"message": "the hub did not answer", "count": 2}]


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The `contentserver` command, with only the settings given here."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    environ.update(CONTENTSERVER_STARTER_LIBRARY="", **(env or {}))
    return subprocess.run(
        [str(Path(sys.executable).with_name("contentserver")), *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_contentserver_report_writes_the_json_to_a_file(tmp_path):
    out = tmp_path / "stick" / "connectivity.json"
    out.parent.mkdir()
    done = cli("report", "--out", str(out), env={"CONTENTSERVER_DATA_DIR": str(tmp_path / "data")})
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text("utf-8"))
    check_format(report)
    assert report["days"] == [] and not list(out.parent.glob("*.part"))
