"""kill -9 during `contentserver import FILE.zim`: the library is as it was (or complete), and the next run works."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
from conftest import VENV_BIN
from test_books_import import books, staging_and_objects
from zims import make_zim

from contentserver.library.objects import sha256_file

SIZE = 30 * (4 << 20)


@pytest.fixture(scope="module")
def big_zim(tmp_path_factory):
    """~126 MB, stored uncompressed: long enough to copy and check that a kill lands inside the import."""
    entries = [("a.html", "A", "text/html", "<p>big</p>")]
    entries += [(f"v{i}.bin", f"v{i}", "application/octet-stream", os.urandom(4 << 20)) for i in range(30)]
    return make_zim(tmp_path_factory.mktemp("big") / "big.zim", entries, main="a.html")


def start_import(data_dir, zim) -> subprocess.Popen:
    env = {"PATH": "/usr/bin:/bin", "CONTENTSERVER_STARTER_LIBRARY": ""}
    return subprocess.Popen(
        [str(VENV_BIN / "contentserver"), "import", str(zim), "--data", str(data_dir)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def staged(data_dir) -> list[int]:
    folder = data_dir / "staging"
    return [p.stat().st_size for p in folder.glob("zim-*.tmp")] if folder.is_dir() else []


@pytest.mark.parametrize("moment", ["copying", "checking"])
def test_a_kill_during_import_leaves_the_library_as_it_was(make_app, data_dir, big_zim, moment):
    size = big_zim.stat().st_size
    proc = start_import(data_dir, big_zim)
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        sizes = staged(data_dir)
        if sizes and (sizes[0] < size if moment == "copying" else sizes[0] == size):
            break
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait() == -signal.SIGKILL, "the import ended before the kill: nothing was tested"
    app = make_app()
    if moment == "copying":
        assert books(app) == {} and staging_and_objects(app)[1] == [], "a killed copy reached the store"
    done = start_import(data_dir, big_zim).wait(120)
    assert done == 0 and list(books(app)) == ["test-book"]
    assert staging_and_objects(app)[1] == [sha256_file(big_zim)]
