"""A data folder on a small tmpfs: a sync that does not fit stops with exit code 4 and the old library serves on."""
from __future__ import annotations

import random
import subprocess
from pathlib import Path

import pytest
from nacl.signing import SigningKey

from conftest import lesson_spec
from nginx_hub import nginx  # noqa: F401  (fixture)
from sync.errors import EXIT_DISK, EXIT_OK
from sync_helpers import installed, pin_hub, publish_folder, pull

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
            subprocess.run(["umount", "--lazy", str(mount)], check=True)   # the app's files close a moment later


def _video_lessons(count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    return [lesson_spec(f"v{i}", body=f"# Video {i}\n", attachments={"clip.mp4": rng.randbytes(500_000)})
            for i in range(count)]


@pytest.fixture
def school(tmp_path, nginx, make_app, make_library):
    """school(reserve, videos) -> (app with version 1 installed, nginx, its state); the hub then offers `videos`."""
    hub_dir = tmp_path / "hub"
    publish_folder(make_library(_video_lessons(1, 1), version=1, library_id="lib"), hub_dir, KEY)
    server = nginx(hub_dir)

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


def test_a_disk_that_fills_during_the_sync_stops_it_and_the_old_library_serves_on(school):
    app, server, before = school(reserve=0, videos=10)
    assert pull(app) == EXIT_DISK        # fits by the first check, but staging + store need twice the space
    assert installed(app) == before
    with app.test_client() as client:
        assert client.get("/lessons/v0").status_code == 200
