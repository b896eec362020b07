"""Hostile pushes, each refused by the hub with a clear error and nothing stored (docs/push.md)."""

from __future__ import annotations

import json
import os

import pytest
from nacl.signing import SigningKey
from push_hub import CHUNK, HUB_ENV, PREFIX, Pusher, entry, http, register_school, sha

from contentserver.db import db
from contentserver.models import Push, PushedLesson, SchoolReportDay
from contentserver.push_auth import sign_request

BODY = b"# A lesson\n\nText.\n"


@pytest.fixture(scope="module")
def hub_site(tmp_path_factory):
    """One hub for the module; every test checks that its refusal left nothing behind."""
    import conftest

    data_dir = tmp_path_factory.mktemp("hostile") / "hub"
    with pytest.MonkeyPatch.context() as monkeypatch:
        apps = conftest.make_app.__wrapped__(data_dir, monkeypatch)
        app = next(apps)(HUB_MODE=True)
        key = SigningKey.generate()
        register_school(app, "village-7", key)
        servers = conftest.start_server.__wrapped__(tmp_path_factory.mktemp("hostile-server"))
        server = next(servers)(data_dir=data_dir, starter="", env=HUB_ENV)
        yield app, server, key
        next(servers, None)
        next(apps, None)


@pytest.fixture
def hub(hub_site):
    app, server, key = hub_site
    school = Pusher(server.url, key)
    assert school.open().status == 200
    assert school.upload(BODY).status == 200
    yield app, school
    with app.app_context():
        assert db.session.scalars(db.select(PushedLesson)).all() == [], "a refused push queued a lesson"
        assert db.session.scalars(db.select(Push)).all() == []
        assert db.session.scalars(db.select(SchoolReportDay)).all() == []
    store = app.extensions["object_store"]
    assert set(store) <= {sha(BODY)}, "a refused object entered the store"
    assert not [p for p in (store.staging / "push").rglob("*.part") if p.stat().st_size], "a partial was kept"


def refused(reply, status: int, words: str) -> None:
    assert reply.status == status, reply
    assert words in reply.body["error"]["message"], reply.body


def test_an_unsigned_request_is_refused_with_401(hub):
    _app, school = hub
    refused(
        http(school.base + PREFIX + "commit", "POST", json.dumps({"push_id": "b" * 32, "lessons": []}).encode()),
        401,
        "not signed",
    )
    refused(http(school.base + PREFIX + "session", "POST"), 401, "not signed")


def test_a_request_whose_signature_does_not_match_its_body_is_refused_with_401(hub):
    _app, school = hub
    school.seq += 1
    body = json.dumps({"push_id": "c" * 32, "lessons": [entry("x", BODY)], "report": None}).encode()
    headers = sign_request(school.key, "POST", PREFIX + "commit", school.session, school.seq, b"{}")
    refused(http(school.base + PREFIX + "commit", "POST", body, headers), 401, "does not match")


def test_a_request_signed_by_another_key_than_the_school_it_names_is_refused_with_401(hub):
    _app, school = hub
    school.seq += 1
    body = json.dumps({"push_id": "d" * 32, "lessons": [entry("x", BODY)], "report": None}).encode()
    forged = sign_request(SigningKey.generate(), "POST", PREFIX + "commit", school.session, school.seq, body)
    forged["X-Push-Key"] = school.key.verify_key.encode().hex()
    refused(http(school.base + PREFIX + "commit", "POST", body, forged), 401, "does not match")


def test_a_key_no_registered_school_has_is_refused_with_403(hub):
    _app, school = hub
    stranger = Pusher(school.base, SigningKey.generate())
    refused(stranger.open(), 403, "no school registered")
    stranger.session = school.session  # nor can it use a real school's session
    refused(stranger.commit([entry("x", BODY)]), 403, "no school registered")


def test_a_replayed_request_is_refused_with_409(hub):
    _app, school = hub
    school.have(BODY)
    refused(school.replay(), 409, "already used")
    body = json.dumps({"push_id": "e" * 32, "lessons": [entry("x", BODY)]}).encode()
    refused(school.signed("POST", PREFIX + "commit", body, seq=school.seq - 1), 409, "already used")


def test_an_unknown_or_other_schools_session_is_refused_with_409(hub):
    _app, school = hub
    school.session = "0" * 32
    refused(school.commit([entry("x", BODY)]), 409, "unknown or expired")


def test_a_chunk_that_does_not_match_its_hash_is_refused_with_422_and_the_partial_deleted(hub):
    _app, school = hub
    real = os.urandom(CHUNK + 100)
    assert school.chunk(real, 0, CHUNK).body == {"have": CHUNK}
    tampered = real[:CHUNK] + b"x" * 100
    refused(school.chunk(tampered, CHUNK, len(real), name=sha(real)), 422, "do not hash to")
    assert school.have(real).body["missing"] == {sha(real): 0}


def test_an_object_over_the_hubs_limit_is_refused_with_413_before_any_byte_is_kept(hub):
    _app, school = hub
    big = b"z" * CHUNK
    refused(school.chunk(big, 0, CHUNK, size=3 * 1024**2), 413, "accepts at most")
    refused(school.chunk(b"y" * (CHUNK + 1), 0, CHUNK + 1), 413, "at most")


def test_a_commit_naming_an_object_never_uploaded_is_refused_with_422(hub):
    _app, school = hub
    refused(school.commit([entry("x", BODY, sheet_pdf=b"%PDF never sent")]), 422, "has not been uploaded")


@pytest.mark.parametrize(
    "change, words",
    [
        ({"id": "Bad Id!"}, "lessons[0].id"),
        ({"id": "../../etc"}, "lessons[0].id"),
        (
            {
                "attachments": [
                    {"name": "../../secret.pdf", "sha256": sha(BODY), "size": len(BODY), "type": "application/pdf"}
                ]
            },
            "not a safe file name",
        ),
        ({"grade": 99}, "lessons[0].grade"),
    ],
)
def test_a_commit_with_an_invalid_lesson_entry_is_refused_with_422(hub, change, words):
    _app, school = hub
    refused(school.commit([{**entry("x", BODY), **change}]), 422, words)


def test_a_commit_with_a_report_that_is_not_one_stores_nothing_of_the_push(hub):
    _app, school = hub
    refused(school.commit([entry("x", BODY)], report={"format": "other/9", "days": []}), 422, "report")


def test_a_server_not_in_hub_mode_answers_404_to_every_push_path(start_server):
    server = start_server(starter="")
    school = Pusher(server.url, SigningKey.generate())
    for reply in (school.open(), school.have(BODY), school.chunk(BODY, 0, len(BODY)), school.commit([])):
        refused(reply, 404, "not a hub")
