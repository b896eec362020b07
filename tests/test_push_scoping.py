"""A hub keeps each school's uploads to that school until a lesson of its library uses them (issue 15 item 9):
no school learns that another's file under review exists, nor attaches a file it never uploaded; and a sequence
number too large for the hub's database is a clear 400, not a 500."""

from __future__ import annotations

import json
import os

import pytest
from nacl.signing import SigningKey
from push_hub import CHUNK, HUB_ENV, PREFIX, Pusher, entry, register_school, sha
from teach_http import Client, add_user

SECRET = b"\x00\x00\x00\x18ftypisom" + os.urandom(CHUNK + 1000)  # school B's video, under review
BODY_A, BODY_B = b"# A\n\nSchool A's text.\n", b"# B\n\nSchool B's text.\n"


@pytest.fixture
def hub(make_app, start_server, data_dir):
    """A hub with an admin and two schools; school B has uploaded SECRET and pushed a lesson with it."""
    app = make_app(HUB_MODE=True)
    keys = {"a": SigningKey.generate(), "b": SigningKey.generate()}
    register_school(app, "School A", keys["a"])
    register_school(app, "School B", keys["b"])
    add_user(data_dir, "boss", admin=True)
    server = start_server(data_dir=data_dir, starter="", env=HUB_ENV)
    a, b = Pusher(server.url, keys["a"]), Pusher(server.url, keys["b"])
    for school, body in ((a, BODY_A), (b, BODY_B)):
        assert school.open().status == 200
        school.upload(body)
    b.upload(SECRET)
    assert b.commit([entry("film", BODY_B, film_mp4=SECRET)]).status == 200
    return server, a, b


def test_have_does_not_tell_a_school_of_anothers_file_under_review(hub):
    _server, a, b = hub
    reply = a.have(SECRET, BODY_A)
    assert reply.status == 200 and reply.body["missing"] == {sha(SECRET): 0}, reply.body
    assert b.have(SECRET).body["missing"] == {}, "the school that uploaded it knows it"


def test_a_school_cannot_claim_anothers_file_by_a_first_chunk_nor_attach_it(hub):
    _server, a, _b = hub
    first = a.chunk(SECRET, 0, 10)
    assert first.status == 200 and first.body["have"] == 10, "a chunk answers only what this school sent"
    refused = a.commit([entry("mine", BODY_A, film_mp4=SECRET)])
    assert refused.status == 422 and "has not been uploaded" in refused.body["error"]["message"], refused
    assert a.upload(SECRET, start=10).body["have"] == len(SECRET), "uploading the same bytes itself is fine"
    assert a.have(SECRET).body["missing"] == {}
    assert a.commit([entry("mine", BODY_A, film_mp4=SECRET)]).status == 200


def test_once_approved_into_the_library_any_school_may_know_and_use_the_file(hub):
    server, a, _b = hub
    boss = Client(server.url)
    assert boss.login("boss").status == 303
    boss.get("/admin/review/")
    assert boss.post("/admin/review/1/approve").status == 303
    assert a.have(SECRET).body["missing"] == {}
    assert a.commit([entry("mine", BODY_A, film_mp4=SECRET)]).status == 200


@pytest.mark.parametrize("sequence", [2**63, 2**64 + 5, 10**30])
def test_a_sequence_number_past_the_databases_integers_is_a_clear_400(hub, sequence):
    _server, a, _b = hub
    body = json.dumps({"objects": []}).encode()
    reply = a.signed("POST", PREFIX + "have", body, seq=sequence)
    assert reply.status == 400 and "sequence number" in reply.body["error"]["message"], reply
    assert a.have(BODY_A).status == 200, "the session still works"


def test_a_sequence_number_at_the_largest_integer_is_taken(hub):
    _server, a, _b = hub
    assert a.signed("POST", PREFIX + "have", b'{"objects": []}', seq=2**63 - 1).status == 200
