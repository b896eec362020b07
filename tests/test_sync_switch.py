"""Students browsing during a sync see the old version until the switch, then the new one — never a mix."""

from __future__ import annotations

import os
import random
import subprocess
import sys

from conftest import REPO, lesson_spec
from nacl.signing import SigningKey
from nginx_hub import nginx
from sync_helpers import hub_and_school, publish_folder, pull

from sync.errors import EXIT_OK


def test_pages_show_the_old_library_until_the_one_step_switch(tmp_path, nginx, make_app, make_library, start_server):
    key = SigningKey.generate()
    hub_dir = tmp_path / "hub"
    v1 = [lesson_spec("s0", body="# S0\n\nOLDTEXT here.\n"), lesson_spec("s1")]
    app, server = hub_and_school(
        nginx, make_app, hub_dir, key, make_library(v1, version=1, library_id="lib"), extra="limit_rate 1m;"
    )
    assert pull(app) == EXIT_OK
    video = random.Random(1).randbytes(3_000_000)
    v2 = [
        lesson_spec("s0", body="# S0\n\nNEWTEXT here.\n"),
        lesson_spec("s1"),
        lesson_spec("s2", attachments={"clip.mp4": video}),
    ]
    publish_folder(make_library(v2, version=2, library_id="lib"), hub_dir, key)
    site = start_server(data_dir=tmp_path / "data", starter="", env={"CONTENTSERVER_LIBRARY_CHECK_SECONDS": "0"})
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "sync", "pull", "--quiet", "--data", str(tmp_path / "data")],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    seen = []
    while proc.poll() is None:  # s0, then s2, then s0 again: the switch may fall between two requests
        before = "NEWTEXT" in site.get("/lessons/s0")[2].decode()
        added = site.get("/lessons/s2")[0] == 200
        after = "NEWTEXT" in site.get("/lessons/s0")[2].decode()
        assert after or not added, "the new lesson was shown beside the old version of another"
        assert added or not before, "a changed lesson was shown before the new lesson of the same version"
        seen.append((before, added, after))
    assert proc.wait() == EXIT_OK, proc.stderr.read().decode()
    proc.stderr.close()
    assert seen.count((False, False, False)) > 3  # the old version served while the video came
    assert site.get("/lessons/s2")[0] == 200 and "NEWTEXT" in site.get("/lessons/s0")[2].decode()
