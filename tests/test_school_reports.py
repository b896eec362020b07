"""A school signs its connectivity report onto a stick; a hub that knows the school's key stores it, once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timezone
from pathlib import Path

import pytest
from nacl.signing import SigningKey

from contentserver.connectivity import STICK_NAME, build_report, write_report
from contentserver.db import db
from contentserver.hub.schools import SchoolError, add_school, import_report
from contentserver.models import SchoolReportDay, SyncAttempt


def cli(*args: str, data: Path) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    environ.update(CONTENTSERVER_STARTER_LIBRARY="", CONTENTSERVER_DATA_DIR=str(data))
    return subprocess.run(
        [str(Path(sys.executable).with_name("contentserver")), *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )


def record(app, *days: int) -> None:
    with app.app_context():
        for day in days:
            db.session.add(
                SyncAttempt(
                    started_at=datetime(2026, 3, day, 9, tzinfo=UTC),
                    hub_url="http://h/",
                    reachable=True,
                    bytes_down=5000,
                    download_bps=300_000,
                    latency_ms=80,
                    exit_code=0,
                )
            )
        db.session.commit()
        db.session.remove()


def test_signed_report_from_a_stick_is_stored_on_the_hub_and_a_second_import_adds_nothing(tmp_path, make_app):
    school_dir, hub_dir, stick = tmp_path / "data", tmp_path / "hub", tmp_path / "stick"
    record(make_app(), 2, 3)
    made = cli("keygen", "--name", "school", data=school_dir)
    assert made.returncode == 0, made.stderr
    public = made.stdout.split("public key:")[1].split()[0]
    stick.mkdir()
    written = cli("report", "--days", "3660", "--out", str(stick / STICK_NAME), data=school_dir)
    assert "signed" in written.stdout and (stick / (STICK_NAME + ".sig")).exists()

    assert cli("school", "add", "village-7", "--key", public, data=hub_dir).returncode == 0
    for _ in range(2):
        stored = cli("import-report", str(stick), data=hub_dir)
        assert stored.returncode == 0, stored.stderr
        assert "village-7: 2 days stored" in stored.stdout
    hub = make_app(DATA_DIR=str(hub_dir))
    with hub.app_context():
        rows = db.session.scalars(db.select(SchoolReportDay).order_by(SchoolReportDay.day)).all()
        assert [row.day for row in rows] == ["2026-03-02", "2026-03-03"]
        assert json.loads(rows[0].summary)["connectivity_speed"] == 300_000


@pytest.fixture
def signed_stick(tmp_path, make_app):
    """A hub app that knows one school, and a stick with that school's signed report."""
    key = SigningKey.generate()
    app = make_app()
    record(app, 5)
    stick = tmp_path / "stick"
    stick.mkdir()
    with app.app_context():
        write_report(stick / STICK_NAME, build_report("", "KZ-1", days=3660), key)
        add_school("village-7", key.verify_key.encode().hex())
    return app, stick, key


def refused(app, stick: Path, why: str) -> None:
    with app.app_context():
        with pytest.raises(SchoolError, match=why):
            import_report(stick)
        assert db.session.scalars(db.select(SchoolReportDay)).all() == []


def test_a_report_changed_after_signing_is_refused(signed_stick):
    app, stick, _ = signed_stick
    path = stick / STICK_NAME
    path.write_text(path.read_text().replace("300000", "9300000"))
    assert "9300000" in path.read_text()
    refused(app, stick, "not signed by a school this hub knows")


def test_an_unsigned_report_or_a_garbled_signature_is_refused(signed_stick):
    app, stick, _ = signed_stick
    signature = stick / (STICK_NAME + ".sig")
    signature.write_text("not hex\n")
    refused(app, stick, "is not a signature")
    signature.unlink()
    refused(app, stick, "is not signed")


def test_a_report_signed_by_an_unknown_school_is_refused(signed_stick):
    app, stick, _ = signed_stick
    with app.app_context():
        write_report(stick / STICK_NAME, build_report("", "KZ-1", days=3660), SigningKey.generate())
    refused(app, stick, "not signed by a school this hub knows")


def test_a_signed_file_that_is_not_a_report_is_refused(signed_stick):
    app, stick, key = signed_stick
    write_report(stick / STICK_NAME, {"format": "something-else/9", "days": []}, key)
    refused(app, stick, "is not a contentserver-connectivity/1 report")


def test_school_names_and_keys_are_unique_and_keys_must_be_keys(make_app):
    app = make_app()
    key = SigningKey.generate().verify_key.encode().hex()
    with app.app_context():
        add_school("village-7", key)
        for name, public in (
            ("village-7", SigningKey.generate().verify_key.encode().hex()),
            ("other", key),
            ("third", "12ab"),
            ("  ", key),
        ):
            with pytest.raises(SchoolError):
                add_school(name, public)
