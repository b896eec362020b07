"""The sync job opens the core app only (contentserver/core.py): a pull loads no page, blueprint or WSGI layer."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import REPO, lesson_spec
from nacl.signing import SigningKey
from nginx_hub import nginx
from sync_helpers import hub_and_school, installed

# Run in a fresh interpreter: what this test process imported says nothing about the sync job.
PULL = """
import json, sys
from sync.__main__ import main
code = main(["pull", "--quiet", "--data", sys.argv[1]])
web = sorted(
    name for name in sys.modules
    if name.startswith(("contentserver.views", "contentserver.hub.views", "contentserver.web"))
    or name in ("flask_wtf", "werkzeug.middleware.proxy_fix")
)
print(json.dumps({"code": code, "web": web, "core": "contentserver.core" in sys.modules}))
"""


def test_a_pull_loads_no_blueprint_or_view(tmp_path, nginx, make_app, make_library):
    key = SigningKey.generate()
    library = make_library([lesson_spec("alpha"), lesson_spec("beta")])
    app, _server = hub_and_school(nginx, make_app, tmp_path / "hub", key, library)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    done = subprocess.run(
        [sys.executable, "-c", PULL, app.config["DATA_DIR"]],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["code"] == 0, done.stderr
    assert set(installed(app)["lessons"]) == {"alpha", "beta"}  # the pull did its work
    assert report["core"] and report["web"] == []
