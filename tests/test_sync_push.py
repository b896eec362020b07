"""Push over real HTTP: a school's shared lesson and report go to a contentserver hub (HUB_MODE) under waitress."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from conftest import REPO, VENV_BIN, LiveServer, lesson_spec
from nacl.signing import SigningKey
from push_helpers import Relay, hub_state, school_state, school_with_shared_lesson, share_lesson
from sync_helpers import installed, publish_folder

from contentserver import create_app
from contentserver.accounts.users import create_user
from contentserver.authoring.lessons import ShareStatus, lesson_fields, save_lesson, share_status
from contentserver.db import db
from contentserver.hub.schools import add_school
from contentserver.models import Lesson, OutgoingPush, PushedLesson, SyncAttempt
from sync.errors import EXIT_LINK, EXIT_NOT_CONFIGURED, EXIT_OK, EXIT_REFUSED
from sync.runner import push_all
from sync.service import run_service

CHUNK = 256 * 1024
BIG = 2 * 1024 * 1024 + 12345
OVERHEAD = 24 * 1024  # requests' headers, session, have, commit and its report


@dataclass
class Hub:
    app: object
    server: LiveServer

    @property
    def url(self) -> str:
        return self.server.url + "/hub/"


@pytest.fixture
def hub(tmp_path, start_server):
    """A contentserver in hub mode on a free port, its database also open here to register schools and look."""
    data = tmp_path / "hub-data"
    hub_app = create_app({"DATA_DIR": str(data), "STARTER_LIBRARY": "", "HUB_MODE": True, "TESTING": True})
    server = start_server(data_dir=data, starter="", env={"CONTENTSERVER_HUB_MODE": "true"})
    yield Hub(hub_app, server)
    with hub_app.app_context():
        db.session.remove()
        db.engine.dispose()


def register(hub: Hub, public_key: str, name: str = "School 17, Aqsu") -> None:
    with hub.app.app_context():
        add_school(name, public_key)
        db.session.remove()


def execute(app, statement: str, **params) -> None:
    """One SQL statement on the app's database, committed."""
    with app.app_context():
        db.session.execute(db.text(statement), params)
        db.session.commit()
        db.session.remove()


def push(app, **kwargs) -> int:
    with app.app_context():
        code = push_all(app, quiet=True, **kwargs)
        db.session.remove()
        return code


def last_log(app) -> dict:
    lines = (Path(app.config["DATA_DIR"]) / "logs" / "sync.log").read_text().splitlines()
    return json.loads(lines[-1])


def cli_push(data: Path, env: dict[str, str] | None = None, **popen) -> subprocess.Popen:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    environ.update(env or {})
    return subprocess.Popen(
        [sys.executable, "-m", "sync", "push", "--quiet", "--data", str(data)],
        cwd=REPO,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def test_shared_lesson_with_a_large_video_arrives_for_review_once_with_the_report(hub, make_app):
    app = make_app(SYNC_CAP_KBIT=8000)  # 1 MB/s: the upload keeps under the cap, as a pull does
    register(hub, school_with_shared_lesson(app, hub.url, BIG))
    with app.app_context():  # an earlier pull, recorded for the report
        db.session.add(SyncAttempt(hub_url=hub.url, reachable=True, exit_code=0, latency_ms=40))
        db.session.commit()
        db.session.remove()
    assert push(app) == EXIT_OK
    state = hub_state(hub.app)
    assert [(lesson, status) for lesson, _push, status in state["queue"]] == [("our-lesson", "waiting")]
    assert state["objects_whole"] and state["report_days"]  # the connectivity report went up with it
    assert school_state(app)["shares"] == {"our-lesson": "sent"}
    first = last_log(app)
    assert first["exit"] == 0 and first["accepted"] == 1 and first["marked_sent"] == 1
    assert BIG <= first["object_bytes"] <= BIG + 100 and first["wire_bytes_up"] < BIG + OVERHEAD

    assert push(app) == EXIT_OK  # run twice: nothing again, no duplicate
    assert hub_state(hub.app)["queue"] == state["queue"]
    again = last_log(app)
    assert again["push_ids"] == [] and again["object_bytes"] == 0 and again["wire_bytes_up"] == 0
    with app.app_context():
        attempts = list(db.session.scalars(db.select(SyncAttempt).order_by(SyncAttempt.id)))
        assert [a.direction for a in attempts] == ["pull", "push", "push"]
        assert attempts[1].bytes_up >= BIG and attempts[1].reachable
        assert 1_000_000 < attempts[1].upload_bps <= 8_000_000 * 1.05 and attempts[1].download_bps is None
        db.session.remove()


def relayed_school(app, hub: Hub) -> Relay:
    """A registered school with a big shared lesson whose pinned hub URL goes through a byte-counting relay."""
    relay = Relay(("127.0.0.1", urlsplit(hub.server.url).port))
    register(hub, school_with_shared_lesson(app, relay.url, BIG))
    return relay


def test_push_killed_midway_resumes_with_the_same_push_id_and_resends_at_most_a_chunk(hub, make_app, tmp_path):
    app = make_app()
    relay = relayed_school(app, hub)
    try:
        proc = cli_push(tmp_path / "data", {"CONTENTSERVER_SYNC_CAP_KBIT": "4000"})  # ~0.5 MB/s: 4 s
        deadline = time.monotonic() + 60
        while relay.up < BIG // 3 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
        pinned = school_state(app)["pushes"]
        assert list(pinned.values()) == [False] and relay.up < BIG  # started, pinned, not committed
        assert hub_state(hub.app)["queue"] == []

        assert push(app) == EXIT_OK
        log = last_log(app)
        assert log["push_ids"] == list(pinned) and log["held_by_hub"] > 0  # same push, resumed
        assert log["object_bytes"] <= BIG - log["held_by_hub"] + 100
        resent = relay.up - BIG
        assert resent <= CHUNK + 2 * OVERHEAD, f"{resent} bytes more than the objects went up"
        print(f"push resumed after kill -9: {relay.up} bytes up for {BIG} bytes of objects")
    finally:
        relay.close()
    assert [lesson for lesson, _p, _s in hub_state(hub.app)["queue"]] == ["our-lesson"]
    assert school_state(app) == {"shares": {"our-lesson": "sent"}, "pushes": {next(iter(pinned)): True}}


def test_link_cut_midway_stops_with_exit_3_and_the_next_run_commits_once(hub, make_app):
    app = make_app(SYNC_CAP_KBIT=4000, SYNC_GIVE_UP_SECONDS=1.0, SYNC_BACKOFF_MAX_SECONDS=0.2, SYNC_TIMEOUT_SECONDS=2.0)
    relay = relayed_school(app, hub)
    try:
        cutter = threading.Thread(target=lambda: (wait_until(lambda: relay.up > BIG // 2), relay.cut_link()))
        cutter.start()
        assert push(app) == EXIT_LINK
        cutter.join()
        assert "resumes" in last_log(app)["message"] or "next run" in last_log(app)["message"]
        assert school_state(app)["shares"] == {"our-lesson": "queued"}
        relay.mend()
        assert push(app) == EXIT_OK
        assert relay.up - BIG <= CHUNK + 2 * OVERHEAD
    finally:
        relay.close()
    assert len(hub_state(hub.app)["queue"]) == 1


def wait_until(condition, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    return condition()


def test_push_without_a_school_key_says_how_to_make_one(hub, make_app, tmp_path):
    app = make_app()
    school_with_shared_lesson(app, hub.url, 5000, key=False)
    proc = cli_push(tmp_path / "data")
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == EXIT_NOT_CONFIGURED
    assert "contentserver keygen --name school" in err
    assert school_state(app) == {"shares": {"our-lesson": "queued"}, "pushes": {}}


def test_unknown_school_is_refused_and_nothing_is_marked_sent_until_the_hub_registers_it(hub, make_app, tmp_path):
    app = make_app()
    public = school_with_shared_lesson(app, hub.url, 5000)
    proc = cli_push(tmp_path / "data")
    _out, err = proc.communicate(timeout=60)
    assert proc.returncode == EXIT_REFUSED
    assert "does not know this school" in err and f"contentserver school add NAME --key {public}" in " ".join(
        err.split()
    )
    state = school_state(app)
    assert state["shares"] == {"our-lesson": "queued"} and list(state["pushes"].values()) == [False]
    assert hub_state(hub.app) == {"queue": [], "report_days": [], "objects_whole": True}

    register(hub, public)
    assert push(app) == EXIT_OK
    assert school_state(app)["pushes"] == {next(iter(state["pushes"])): True}  # the same push id went up
    assert len(hub_state(hub.app)["queue"]) == 1


def test_a_lesson_shared_again_after_a_push_goes_up_again_and_drafts_wait(hub, make_app):
    app = make_app()
    register(hub, school_with_shared_lesson(app, hub.url, 5000))
    assert push(app) == EXIT_OK
    share_lesson(app, "second", 3000, seed=2)
    execute(app, "UPDATE lessons SET status = 'draft' WHERE id = 'second'")
    assert push(app) == EXIT_OK
    assert school_state(app)["shares"] == {"our-lesson": "sent", "second": "queued"}  # a draft waits
    execute(app, "UPDATE lessons SET status = 'published' WHERE id = 'second'")
    assert push(app) == EXIT_OK
    assert sorted(lesson for lesson, _p, _s in hub_state(hub.app)["queue"]) == ["our-lesson", "second"]


def test_a_typo_fixed_in_a_lesson_already_sent_goes_up_again_and_replaces_the_waiting_entry(hub, make_app):
    app = make_app()
    register(hub, school_with_shared_lesson(app, hub.url, 5000))
    assert push(app) == EXIT_OK and school_state(app)["shares"] == {"our-lesson": "sent"}
    store = app.extensions["object_store"]
    with app.app_context():
        lesson = db.session.get(Lesson, "our-lesson")
        fields = lesson_fields(lesson, store)
        fields.body = fields.body.replace("Our own", "Our very own")
        save_lesson(lesson, fields, create_user("anna", "correct-horse-42"), store)
        fixed = lesson.body_sha256
        db.session.remove()
    assert school_state(app)["shares"] == {"our-lesson": "queued"}
    assert push(app) == EXIT_OK and school_state(app)["shares"] == {"our-lesson": "sent"}
    with hub.app.app_context():
        queue = [(row.state, row.entry["body"]["sha256"]) for row in db.session.scalars(db.select(PushedLesson))]
        db.session.remove()
    assert queue == [("waiting", fixed)]
    with app.app_context():  # the teacher's page reads the time of the later push's commit
        status = share_status(db.session.get(Lesson, "our-lesson"))
        last = db.session.scalar(db.select(db.func.max(OutgoingPush.committed_at)))
        db.session.remove()
    assert status == ShareStatus("sent", last)


def test_sync_run_pushes_after_a_successful_pull(hub, make_app, make_library):
    key = SigningKey.generate()
    publish_folder(make_library([lesson_spec("one")], version=1, library_id="lib"), hub.server.data_dir / "hub", key)
    app = make_app(SYNC_INTERVAL_SECONDS=60)
    register(hub, school_with_shared_lesson(app, hub.url, 5000))
    execute(app, "UPDATE hubs SET public_key = :key", key=key.verify_key.encode().hex())
    stop, lines = threading.Event(), []

    def announce(line: str) -> None:
        lines.append(line)
        if "pull finished" in line:
            stop.set()

    with app.app_context():
        assert run_service(app, stop, announce=announce) == EXIT_OK
        db.session.remove()
    assert "pull finished with exit code 0, push with exit code 0" in " ".join(lines)
    assert installed(app)["versions"] == {"lib": 1}
    assert [lesson for lesson, _p, _s in hub_state(hub.app)["queue"]] == ["our-lesson"]


def test_with_nothing_shared_the_report_alone_goes_up_once_a_day(hub, make_app):
    app = make_app()
    register(hub, school_with_shared_lesson(app, hub.url, 5000))
    assert push(app) == EXIT_OK  # the lesson and a report (of no attempts yet)
    assert hub_state(hub.app)["report_days"] == []
    assert push(app) == EXIT_OK and last_log(app)["push_ids"] == []  # within the day: nothing at all
    execute(app, "UPDATE outgoing_pushes SET committed_at = '2020-01-01 00:00:00.000000'")
    assert push(app) == EXIT_OK
    log = last_log(app)
    assert len(log["push_ids"]) == 1 and log["accepted"] == 0 and log["objects"] == 0
    assert hub_state(hub.app)["report_days"]  # today's attempts, as the hub stores a stick's report
    assert len(hub_state(hub.app)["queue"]) == 1


def test_a_lesson_whose_file_is_gone_stays_queued_and_the_run_says_why(hub, make_app):
    app = make_app()
    register(hub, school_with_shared_lesson(app, hub.url, 5000))
    objects = share_lesson(app, "broken", 4000, seed=3)
    clip = max(objects, key=objects.get)
    app.extensions["object_store"].path(clip).unlink()
    assert push(app) == EXIT_OK
    log = last_log(app)
    assert log["accepted"] == 1 and log["skipped"] and clip in log["skipped"][0] and "broken" in log["skipped"][0]
    assert school_state(app)["shares"] == {"our-lesson": "sent", "broken": "queued"}


def test_contentserver_sync_push_is_the_same_command(hub, make_app, tmp_path):
    app = make_app()
    school_with_shared_lesson(app, hub.url, 5000, key=False)
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    done = subprocess.run(
        [str(VENV_BIN / "contentserver"), "sync", "push", "--data", str(tmp_path / "data")],
        cwd=REPO,
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == EXIT_NOT_CONFIGURED and "keygen --name school" in done.stderr
