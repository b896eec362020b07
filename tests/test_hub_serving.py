"""A running contentserver serves its published library at /hub/: a school pulls from it like from nginx."""

from __future__ import annotations

import os
import subprocess
import urllib.request

from conftest import CONTENT, VENV_BIN
from nacl.signing import SigningKey
from sync_helpers import installed, pin_hub, publish_folder, pull

from contentserver.db import db
from contentserver.models import Hub
from sync.errors import EXIT_OK


def test_a_school_pulls_from_another_schools_hub_blueprint(start_server, tmp_path, make_app):
    key = SigningKey.generate()
    server = start_server(starter="")
    publish_folder(CONTENT, server.data_dir / "hub", key)
    app = make_app()
    pin_hub(app, server.url + "/hub/", key)
    assert pull(app) == EXIT_OK
    state = installed(app)
    assert state["objects_verify"] and len(state["lessons"]) == len([p for p in CONTENT.iterdir() if p.is_dir()])
    assert pull(app) == EXIT_OK  # unchanged: a 304 on the head
    log = (tmp_path / "data" / "logs" / "sync.log").read_text().splitlines()
    assert '"up_to_date": true' in log[-1] and '"requests": 1' in log[-1]


def test_hub_blueprint_answers_ranges_and_refuses_other_paths(start_server):
    key = SigningKey.generate()
    server = start_server(starter="")
    publish_folder(CONTENT, server.data_dir / "hub", key)
    status, headers, body = server.get("/hub/head.signed", {"Range": "bytes=0-63"})
    assert status == 206 and len(body) == 64 and headers["Content-Range"].startswith("bytes 0-63/")
    for path in ("/hub/history.json", "/hub/../library.sqlite", "/hub/t/../../secret_key", "/hub/objects/zz"):
        assert server.get(path)[0] == 404
    request = urllib.request.Request(server.url + "/hub/head.signed", headers={"If-None-Match": headers["ETag"]})
    try:
        urllib.request.urlopen(request, timeout=10)
        raise AssertionError("expected 304")
    except urllib.error.HTTPError as error:
        with error:
            assert error.code == 304


def test_a_school_republishes_its_installed_library_for_its_neighbour(start_server, tmp_path, make_app):
    server = start_server()  # first start imports the starter library content/
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(VENV_BIN / "contentserver"), *args, "--data", str(server.data_dir)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    made = run("keygen", "--name", "school")
    public = made.stdout.split("public key:")[1].split()[0]
    published = run(
        "publish", "--out", str(server.data_dir / "hub"), "--key", str(server.data_dir / "keys" / "school.key")
    )
    assert published.returncode == 0, published.stderr
    neighbour = make_app()
    with neighbour.app_context():
        db.session.add(Hub(url=server.url + "/hub/", public_key=public))
        db.session.commit()
    assert pull(neighbour) == EXIT_OK
    assert len(installed(neighbour)["lessons"]) == len([p for p in CONTENT.iterdir() if p.is_dir()])
