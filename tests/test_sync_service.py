"""`sync run`: a long-lived service that pulls on a schedule, backs off after failures, and runs once per folder."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from conftest import REPO, lesson_spec
from nacl.signing import SigningKey
from nginx_hub import nginx
from sync_helpers import hub_and_school, installed, publish_folder

from sync.errors import EXIT_BUSY, EXIT_LINK, EXIT_OK, EXIT_REFUSED
from sync.service import next_wait, run_service


def test_waits_the_interval_after_success_and_doubles_retries_after_failures_up_to_it():
    assert next_wait(EXIT_OK, 0, 3600, 60) == 3600
    assert [next_wait(EXIT_LINK, n, 3600, 60) for n in (1, 2, 3, 6, 7)] == [60, 120, 240, 1920, 3600]
    assert next_wait(EXIT_REFUSED, 3, 3600, 60) == 3600  # a refused library will not change in a minute


def wait_for(condition, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_service_installs_from_the_hub_then_picks_up_a_new_version_on_its_schedule(
    tmp_path, nginx, make_app, make_library
):
    key = SigningKey.generate()
    hub_dir = tmp_path / "hub"
    app, server = hub_and_school(
        nginx,
        make_app,
        hub_dir,
        key,
        make_library([lesson_spec("one")], version=1, library_id="lib"),
        SYNC_INTERVAL_SECONDS=0.5,
    )
    stop, lines = threading.Event(), []

    def serve() -> None:
        with app.app_context():
            lines.append(run_service(app, stop, announce=lines.append))

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        assert wait_for(lambda: installed(app)["versions"] == {"lib": 1})
        with app.app_context():
            assert run_service(app, threading.Event()) == EXIT_BUSY  # one service per data folder
        publish_folder(
            make_library([lesson_spec("one"), lesson_spec("two")], version=2, library_id="lib"), hub_dir, key
        )
        assert wait_for(lambda: installed(app)["versions"] == {"lib": 2})
        assert set(installed(app)["lessons"]) == {"one", "two"}
    finally:
        stop.set()
        thread.join(30)
    assert lines[-1] == EXIT_OK and "sync service stopped" in lines


def test_second_start_says_a_service_is_running_and_exits_and_sigterm_stops_the_first(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    env.update(CONTENTSERVER_DATA_DIR=str(tmp_path / "data"), CONTENTSERVER_STARTER_LIBRARY="")
    command = [sys.executable, "-m", "sync", "run"]
    first = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert "sync service started" in first.stdout.readline()
        second = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
        assert second.returncode == EXIT_BUSY
        assert f"already running on this data folder (pid {first.pid})" in second.stdout
        first.send_signal(signal.SIGTERM)
        out, _ = first.communicate(timeout=30)
    finally:
        if first.poll() is None:
            first.kill()
            first.communicate()
    assert first.returncode == EXIT_OK
    assert "sync service stopped" in out


def test_contentserver_sync_run_is_the_same_service():
    contentserver = Path(sys.executable).with_name("contentserver")
    done = subprocess.run([str(contentserver), "sync", "run", "--help"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "SYNC_INTERVAL_SECONDS" in done.stdout
