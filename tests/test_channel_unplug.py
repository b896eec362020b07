"""A stick pulled out in the middle of `contentserver import`: a clear message, no traceback, nothing installed,
nothing half-written left behind; and the progress bar shows while a channel is copied (on a terminal)."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time

from conftest import VENV_BIN
from kolibri_maker import ChannelBuilder, storage_path
from sqlalchemy import select

from contentserver.db import db
from contentserver.models import InstalledLibrary

BIG = 192 << 20  # long enough to copy that the stick can be pulled out while it is read


def _zeros_md5(size: int) -> str:
    digest, block = hashlib.md5(usedforsecurity=False), bytes(1 << 20)
    for _ in range(size >> 20):
        digest.update(block)
    return digest.hexdigest()


def _stick(root) -> ChannelBuilder:
    """A big video first (a sparse file: no disk for it on the stick), then small documents."""
    builder = ChannelBuilder(root, name="Big")
    big = _zeros_md5(BIG)
    node = builder.resource("video", "Big video")
    builder.add_file(node, "high_res_video", "mp4", b"placeholder", checksum=big)
    for i in range(5):
        builder.resource("document", f"Doc {i}", files=[("document", "pdf", f"%PDF-1.4 {i}".encode())])
    builder.write()
    with open(storage_path(root, big, "mp4"), "wb") as sparse:
        sparse.truncate(BIG)
    return builder


def test_a_stick_pulled_out_mid_import_is_refused_clearly_and_nothing_is_installed(app, tmp_path):
    _stick(tmp_path / "stick")
    staging = tmp_path / "data" / "staging"
    command = f"{VENV_BIN / 'contentserver'} import {tmp_path / 'stick'} --data {app.config['DATA_DIR']}"
    env = {"PATH": "/usr/bin:/bin", "CONTENTSERVER_STARTER_LIBRARY": "", "COLUMNS": "100", "TERM": "xterm"}
    log = tmp_path / "terminal.log"
    # `script` gives the command a terminal, as an admin's shell would: the progress bar is drawn only on one
    proc = subprocess.Popen(["script", "-qefc", command, str(log)], env=env, stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not any(p.stat().st_size for p in staging.glob("kolibri-*.tmp")):
        assert proc.poll() is None, log.read_text(errors="replace")
        time.sleep(0.005)
    shutil.rmtree(tmp_path / "stick")  # unplugged: the file being read stays readable, the next ones are gone
    assert proc.wait(timeout=120) == 2
    output = log.read_text(errors="replace")
    assert "Traceback" not in output
    assert "is missing from the drive" in output and "the drive was removed or unplugged" in output
    assert "copying Big" in output  # the progress bar, drawn while the big video was copied
    assert not list(staging.glob("kolibri-*"))  # nothing half-written left
    with app.app_context():
        assert db.session.scalars(select(InstalledLibrary)).all() == []
    assert not os.path.exists(tmp_path / "stick")
