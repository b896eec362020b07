"""Across ../shared/tools/weaklink: the link is cut mid-sync and mended; the job keeps its progress and finishes."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time

import pytest
from conftest import REPO, SHARED, lesson_spec
from nacl.signing import SigningKey
from nginx_hub import Nginx
from sync_helpers import installed, pin_hub, publish_folder

from sync.errors import EXIT_OK

pytestmark = [pytest.mark.slow, pytest.mark.needs_root]

WEAKLINK = SHARED / "tools" / "weaklink"
RATE = "2mbit"


@pytest.fixture
def link():
    """A weaklink of our own (unique --name), always taken down after the test."""
    name = f"wls{os.getpid() % 100000}"
    subprocess.run(
        [str(WEAKLINK), "up", "--name", name, "--rate", RATE, "--buffer-ms", "200"], check=True, capture_output=True
    )
    try:
        yield name
    finally:
        subprocess.run([str(WEAKLINK), "down", "--name", name], capture_output=True)


def test_link_cut_and_mended_mid_sync_resumes_and_completes(tmp_path, link, make_app, make_library):
    key = SigningKey.generate()
    rng = random.Random(7)
    lessons = [
        lesson_spec(f"w{i}", body=f"# Weak {i}\n", attachments={"clip.mp4": rng.randbytes(300_000)}) for i in range(5)
    ]
    hub_dir = tmp_path / "hub"
    publish_folder(make_library(lessons, version=1, library_id="lib"), hub_dir, key)
    server = Nginx(hub_dir, tmp_path / "nginx", host="10.250.0.1", netns=f"{link}-hub")
    try:
        app = make_app()
        pin_hub(app, server.url, key)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
        env.update(
            CONTENTSERVER_SYNC_TIMEOUT_SECONDS="2",
            CONTENTSERVER_SYNC_BACKOFF_MAX_SECONDS="1",
            CONTENTSERVER_SYNC_GIVE_UP_SECONDS="60",
        )
        proc = subprocess.Popen(
            [
                "ip",
                "netns",
                "exec",
                f"{link}-school",
                sys.executable,
                "-m",
                "sync",
                "pull",
                "--quiet",
                "--data",
                str(tmp_path / "data"),
            ],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 30
        while sum(1 for status, *_ in server.log_lines() if status == 206) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        subprocess.run([str(WEAKLINK), "cut", "--name", link], check=True, capture_output=True)
        time.sleep(5)
        assert proc.poll() is None, "the job must wait for the link, not give up"
        subprocess.run(
            [str(WEAKLINK), "mend", "--name", link, "--rate", RATE, "--buffer-ms", "200"],
            check=True,
            capture_output=True,
        )
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == EXIT_OK, err.decode()
    finally:
        server.stop()
    state = installed(app)
    assert state["versions"] == {"lib": 1} and state["objects_verify"] and len(state["lessons"]) == 5
    sent = sum(body for status, _sent, body, _r, uri in server.log_records() if "/objects/" in uri)
    assert sent <= 5 * 300_000 + 2 * 256 * 1024  # what was cut is re-sent at most once per chunk
