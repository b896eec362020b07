"""A running contentserver serves its published library at /hub/: a school pulls from it like from nginx."""
from __future__ import annotations

import urllib.request

from nacl.signing import SigningKey

from conftest import CONTENT
from sync.errors import EXIT_OK
from sync_helpers import installed, pin_hub, publish_folder, pull


def test_a_school_pulls_from_another_schools_hub_blueprint(start_server, tmp_path, make_app):
    key = SigningKey.generate()
    server = start_server(starter="")
    publish_folder(CONTENT, server.data_dir / "hub", key)
    app = make_app()
    pin_hub(app, server.url + "/hub/", key)
    assert pull(app) == EXIT_OK
    state = installed(app)
    assert state["objects_verify"] and len(state["lessons"]) == len([p for p in CONTENT.iterdir() if p.is_dir()])
    assert pull(app) == EXIT_OK                        # unchanged: a 304 on the head
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
    request = urllib.request.Request(server.url + "/hub/head.signed",
                                     headers={"If-None-Match": headers["ETag"]})
    try:
        urllib.request.urlopen(request, timeout=10)
        raise AssertionError("expected 304")
    except urllib.error.HTTPError as error:
        with error:
            assert error.code == 304
