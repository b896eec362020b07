"""A data folder on a small tmpfs: a sync that does not fit stops with exit code 4 and the old library serves on."""

from __future__ import annotations

import errno
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO, lesson_spec
from nacl.signing import SigningKey
from nginx_hub import nginx
from sync_helpers import installed, pin_hub, publish_folder, pull

from sync.errors import EXIT_DISK, EXIT_OK

pytestmark = [pytest.mark.slow, pytest.mark.needs_root]

KEY = SigningKey.generate()


@pytest.fixture
def data_dir(tmp_path):
    """The school's data folder is a 6 MiB tmpfs, mounted for this test and unmounted after."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        if subprocess.run(["umount", str(mount)], capture_output=True).returncode:
            subprocess.run(["umount", "--lazy", str(mount)], check=True)  # the app's files close a moment later


def _video_lessons(count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    return [
        lesson_spec(f"v{i}", body=f"# Video {i}\n", attachments={"clip.mp4": rng.randbytes(500_000)})
        for i in range(count)
    ]


@pytest.fixture
def school(tmp_path, nginx, make_app, make_library):
    """school(reserve, videos) -> (app with version 1 installed, nginx, its state); the hub then offers `videos`."""
    hub_dir = tmp_path / "hub"
    publish_folder(make_library(_video_lessons(1, 1), version=1, library_id="lib"), hub_dir, KEY)
    server = nginx(hub_dir, extra="limit_rate 300k;")

    def make(reserve: int, videos: int):
        app = make_app(DISK_RESERVE_BYTES=reserve)
        pin_hub(app, server.url, KEY)
        assert pull(app) == EXIT_OK
        before = installed(app)
        publish_folder(make_library(_video_lessons(videos, 2), version=2, library_id="lib"), hub_dir, KEY)
        return app, server, before

    return make


def test_a_library_larger_than_the_free_disk_is_refused_before_downloading(school):
    app, server, before = school(reserve=1_000_000, videos=12)
    server.reset()
    assert pull(app) == EXIT_DISK
    assert installed(app) == before
    assert not any("/objects/" in uri for _s, _b, uri in server.log_lines())
    log = Path(app.config["DATA_DIR"], "logs", "sync.log").read_text().splitlines()
    assert '"exit": 4' in log[-1] and "reserve" in log[-1]


def test_a_disk_that_fills_during_the_sync_stops_it_and_the_next_run_completes(school, data_dir):
    app, server, before = school(reserve=0, videos=6)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    env["CONTENTSERVER_DISK_RESERVE_BYTES"] = "0"
    server.reset()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sync", "pull", "--quiet", "--data", str(data_dir)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while not any("/objects/" in uri for _s, _b, uri in server.log_lines()) and time.monotonic() < deadline:
        time.sleep(0.02)
    filler = data_dir / "teacher-upload.bin"  # someone else fills the disk while the sync runs
    with open(filler, "wb") as out:
        try:
            while True:
                out.write(b"\0" * 65536)
                out.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    assert proc.wait(timeout=60) == EXIT_DISK
    assert "the disk filled" in " ".join(proc.stderr.read().decode().split())
    proc.stderr.close()
    assert installed(app) == before
    with app.test_client() as client:
        assert client.get("/lessons/v0").status_code == 200
    filler.unlink()
    assert pull(app) == EXIT_OK
    assert installed(app)["versions"] == {"lib": 2} and installed(app)["objects_verify"]
