"""kill -9 at random moments of a sync: the library is always the old or the new version, and the next run ends it."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from conftest import REPO, lesson_spec
from nacl.signing import SigningKey
from nginx_hub import nginx
from sync_helpers import hub_and_school, installed, publish_folder, pull

from sync.errors import EXIT_OK

pytestmark = pytest.mark.slow

KILLS = 20
CHUNK = 256 * 1024


def _library_v2(rng: random.Random) -> list[dict]:
    lessons = []
    for i in range(300):
        attachments = {}
        if i % 3 == 0:
            attachments["pic.png"] = rng.randbytes(rng.randrange(10_000, 30_000))
        if i % 15 == 0:
            attachments["clip.mp4"] = rng.randbytes(rng.randrange(300_000, 600_000))
        lessons.append(
            lesson_spec(f"k{i:03d}", body=f"# Lesson {i}\n\n" + f"paragraph {i} " * 40, attachments=attachments)
        )
    return lessons


def _resent_per_run(records: list[tuple[int, int, int, str, str]], boundaries: list[int]) -> list[Counter]:
    """For each run (records up to each boundary), body bytes nginx sent again per file: ranges it had already sent.

    The head is left out: every run asks for it once, that is the check itself, not a resume's cost.
    """
    seen: dict[str, bytearray] = {}
    out = [Counter() for _ in range(len(boundaries) + 1)]
    for index, (status, _sent, body, ranges, uri) in enumerate(records):
        run = sum(1 for b in boundaries if index >= b)
        if status not in (200, 206) or not body or uri.endswith("/head.signed"):
            continue
        start = int(ranges.split("=")[1].split("-")[0]) if ranges.startswith("bytes=") else 0
        bitmap = seen.setdefault(uri, bytearray())
        if len(bitmap) < start + body:
            bitmap.extend(bytes(start + body - len(bitmap)))
        out[run][uri] += sum(bitmap[start : start + body])
        bitmap[start : start + body] = b"\x01" * body
    return out


def _wait_for_traffic(server, records: int, proc: subprocess.Popen) -> None:
    """Until the run has made its first request (python's start-up is not the moment we want to test)."""
    deadline = time.monotonic() + 20
    while len(server.log_records()) <= records and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)


def test_kill_9_at_random_moments_leaves_old_or_new_library_and_resumes(tmp_path, nginx, make_app, make_library):
    rng = random.Random(6)
    key = SigningKey.generate()
    hub_dir = tmp_path / "hub"
    v1_lessons = [lesson_spec(f"k{i:03d}", body=f"# Old {i}\n") for i in range(0, 300, 7)]
    app, server = hub_and_school(
        nginx, make_app, hub_dir, key, make_library(v1_lessons, version=1, library_id="lib"), extra="limit_rate 1m;"
    )
    assert pull(app) == EXIT_OK
    old = installed(app)
    publish_folder(make_library(_library_v2(rng), version=2, library_id="lib"), hub_dir, key)
    server.reset()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    command = [sys.executable, "-m", "sync", "pull", "--quiet", "--data", str(tmp_path / "data")]
    boundaries: list[int] = []
    for _ in range(KILLS):
        proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for_traffic(server, boundaries[-1] if boundaries else 0, proc)
        time.sleep(rng.uniform(0.0, 0.6))
        finished = proc.poll() is not None
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        state = installed(app)
        assert state["objects_verify"]
        assert state["versions"] in ({"lib": 1}, {"lib": 2})
        if state["versions"] == {"lib": 1}:
            assert state == old
        else:
            assert len(state["lessons"]) == 300
        if finished:
            break
        time.sleep(0.2)
        boundaries.append(len(server.log_records()))
    assert pull(app) == EXIT_OK
    final = installed(app)
    assert final["versions"] == {"lib": 2} and final["objects_verify"] and len(final["lessons"]) == 300
    resent = _resent_per_run(server.log_records(), boundaries)[1:]
    totals = [sum(files.values()) for files in resent]
    print(f"\nkills: {len(boundaries)}; bytes re-sent by each resume: {totals}; total {sum(totals)}")
    assert len(boundaries) >= KILLS // 2
    assert all(sent <= CHUNK for files in resent for sent in files.values()), resent
