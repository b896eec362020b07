"""Push across ../shared/tools/weaklink: cut mid-upload and mended, the same run resumes and commits once."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pytest
from conftest import REPO, SHARED, free_port
from push_helpers import hub_state, school_state, school_with_shared_lesson

from contentserver import create_app
from contentserver.db import db
from contentserver.hub.schools import add_school
from sync.errors import EXIT_OK

WEAKLINK = SHARED / "tools" / "weaklink"
HUB_IP = "10.250.0.1"
SIZE = 1_000_000
CHUNK = 256 * 1024
pytestmark = [pytest.mark.needs_root, pytest.mark.slow]
pytestmark.append(
    pytest.mark.skipif(
        os.geteuid() != 0 or shutil.which("ip") is None or shutil.which("tc") is None,
        reason="weaklink needs root and iproute2 (network namespaces)",
    )
)


@pytest.fixture
def link():
    """A weaklink of our own (unique --name): 2 Mbit/s down, 1 Mbit/s up; always taken down after the test."""
    name = f"wlp{os.getpid() % 100000}"
    up = subprocess.run(
        [str(WEAKLINK), "up", "--name", name, "--rate", "2mbit", "--up-rate", "1mbit", "--buffer-ms", "200"],
        capture_output=True,
        text=True,
    )
    if up.returncode != 0:
        pytest.skip(f"weaklink could not make its namespaces here: {up.stderr.strip()}")
    try:
        yield name
    finally:
        subprocess.run([str(WEAKLINK), "down", "--name", name], capture_output=True)


def clean_env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    env.update({f"CONTENTSERVER_{k}": v for k, v in settings.items()})
    return env


def uploaded(link: str) -> int:
    """Bytes the school's end of the link has sent (IP packets, headers included)."""
    shown = subprocess.run(
        ["ip", "-n", f"{link}-school", "-j", "-s", "link", "show", f"{link}-s"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(shown.stdout)[0]["stats64"]["tx"]["bytes"]


def test_push_cut_midway_and_mended_resumes_and_commits_once(tmp_path, link, make_app):
    hub_data = tmp_path / "hub-data"
    hub_app = create_app({"DATA_DIR": str(hub_data), "STARTER_LIBRARY": "", "HUB_MODE": True, "TESTING": True})
    port = free_port()
    with open(tmp_path / "hub.log", "wb") as log:
        server = subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                f"{link}-hub",
                sys.executable,
                str(REPO / "run.py"),
                "--host",
                HUB_IP,
                "--port",
                str(port),
                "--data",
                str(hub_data),
            ],
            cwd=tmp_path,
            env=clean_env(HUB_MODE="1", STARTER_LIBRARY=""),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        subprocess.run(
            [
                "ip",
                "netns",
                "exec",
                f"{link}-school",
                "bash",
                "-c",
                f"for i in $(seq 300); do (echo > /dev/tcp/{HUB_IP}/{port}) 2>/dev/null && exit 0; "
                "sleep 0.1; done; exit 1",
            ],
            check=True,
            timeout=60,
        )
        app = make_app()
        public = school_with_shared_lesson(app, f"http://{HUB_IP}:{port}/hub/", SIZE)
        with hub_app.app_context():
            add_school("School 17, Aqsu", public)
            db.session.remove()
        before = uploaded(link)
        started = time.monotonic()
        proc = subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                f"{link}-school",
                sys.executable,
                "-m",
                "sync",
                "push",
                "--quiet",
                "--data",
                str(tmp_path / "data"),
            ],
            cwd=REPO,
            env=clean_env(SYNC_TIMEOUT_SECONDS="2", SYNC_BACKOFF_MAX_SECONDS="1", SYNC_GIVE_UP_SECONDS="60"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while uploaded(link) - before < SIZE // 3 and time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.05)
        subprocess.run([str(WEAKLINK), "cut", "--name", link], check=True, capture_output=True)
        time.sleep(5)
        assert proc.poll() is None, "the push must wait for the link, not give up"
        assert hub_state(hub_app)["queue"] == []
        subprocess.run(
            [str(WEAKLINK), "mend", "--name", link, "--rate", "2mbit", "--buffer-ms", "200"],
            check=True,
            capture_output=True,
        )
        _out, err = proc.communicate(timeout=120)
        assert proc.returncode == EXIT_OK, err
        assert time.monotonic() - started < 120
    finally:
        server.terminate()
        server.wait(timeout=30)
    state = hub_state(hub_app)
    assert [lesson for lesson, _push, _state in state["queue"]] == ["our-lesson"] and state["objects_whole"]
    assert school_state(app)["shares"] == {"our-lesson": "sent"}
    log = json.loads((tmp_path / "data" / "logs" / "sync.log").read_text().splitlines()[-1])
    resent = log["wire_bytes_up"] - SIZE
    print(
        f"\npush across a cut weaklink: {log['wire_bytes_up']} bytes up for {SIZE} bytes of objects, "
        f"{log['requests']} requests"
    )
    assert resent <= CHUNK + 64 * 1024  # what the cut caught is sent again at most once
    with hub_app.app_context():
        db.session.remove()
        db.engine.dispose()
