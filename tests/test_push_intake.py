"""The hub's push intake over real HTTP (docs/push.md): a signed push resumes, commits once, lands in review."""

from __future__ import annotations

import os

import pytest
from nacl.signing import SigningKey
from push_hub import CHUNK, HUB_ENV, Pusher, entry, register_school, sha

from contentserver.db import db
from contentserver.models import Push, PushedLesson, SchoolReportDay

BODY = b"# Pushed lesson\n\nA drawing: ![leaf](leaf.png)\n"
CLIP = os.urandom(3 * CHUNK + 1234)  # several chunks


@pytest.fixture
def hub(make_app, start_server, data_dir):
    """A hub (HUB_MODE on) that knows one school; (app over the same data folder, pusher for the school)."""
    app = make_app(HUB_MODE=True)
    key = SigningKey.generate()
    register_school(app, "School 17, Aqsu", key)
    server = start_server(data_dir=data_dir, starter="", env=HUB_ENV)
    return app, Pusher(server.url, key)


def queue(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [(row.lesson_id, row.state, row.push_id) for row in db.session.scalars(db.select(PushedLesson))]


def test_a_push_in_chunks_commits_and_the_lesson_waits_for_review(hub):
    app, school = hub
    leaf = b"\x89PNG fake image bytes"
    assert school.open().status == 200 and len(school.session) == 32
    missing = school.have(BODY, leaf, CLIP)
    assert missing.status == 200 and missing.body["missing"] == {sha(BODY): 0, sha(leaf): 0, sha(CLIP): 0}
    for data in (BODY, leaf):
        assert school.upload(data).body == {"have": len(data)}
    replies = [school.chunk(CLIP, offset, offset + CHUNK) for offset in range(0, len(CLIP), CHUNK)]
    assert [r.body["have"] for r in replies] == [CHUNK, 2 * CHUNK, 3 * CHUNK, len(CLIP)]
    assert school.have(BODY, leaf, CLIP).body["missing"] == {}, "objects the hub holds are never sent again"

    lesson = entry("photosynthesis", BODY, leaf_png=leaf, clip_mp4=CLIP)
    committed = school.commit([lesson])
    assert committed.status == 200 and committed.body["accepted"] == 1
    assert queue(app) == [("photosynthesis", "waiting", committed.body["push_id"])]
    store = app.extensions["object_store"]
    assert store.read_bytes(sha(CLIP)) == CLIP


def test_a_chunk_cut_midway_resumes_from_the_bytes_the_hub_holds(hub):
    app, school = hub
    school.open()
    school.chunk(CLIP, 0, CHUNK)
    school.open()  # the next run: a new session, `have` says where to go on
    assert school.have(CLIP).body["missing"] == {sha(CLIP): CHUNK}
    wrong = school.chunk(CLIP, 0, CHUNK)  # a chunk the hub already has
    assert wrong.status == 409 and wrong.body["have"] == CHUNK
    assert school.upload(CLIP, start=CHUNK).body == {"have": len(CLIP)}
    assert app.extensions["object_store"].read_bytes(sha(CLIP)) == CLIP
    assert not list((app.extensions["object_store"].staging / "push").rglob("*.part"))


def test_a_commit_sent_twice_with_one_push_id_queues_the_lesson_once(hub):
    app, school = hub
    school.open()
    school.upload(BODY)
    lessons = [entry("fractions", BODY)]
    first = school.commit(lessons, push_id="a" * 32)
    again = school.commit(lessons, push_id="a" * 32)
    assert first.status == again.status == 200 and first.body == again.body == {"accepted": 1, "push_id": "a" * 32}
    assert queue(app) == [("fractions", "waiting", "a" * 32)]
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Push)) == 1


def test_a_lesson_pushed_again_replaces_its_entry_while_it_still_waits(hub):
    app, school = hub
    school.open()
    newer = BODY + b"\nMore text.\n"
    school.upload(BODY)
    school.upload(newer)
    school.commit([entry("fractions", BODY)])
    second = school.commit([entry("fractions", newer)])
    assert queue(app) == [("fractions", "waiting", second.body["push_id"])]
    with app.app_context():
        row = db.session.scalar(db.select(PushedLesson))
        assert row.entry["body"]["sha256"] == sha(newer)


def test_the_connectivity_report_in_a_commit_is_stored_per_school_and_day(hub):
    app, school = hub
    report = {
        "format": "contentserver-connectivity/1",
        "generated": "2026-03-03T10:00:00Z",
        "school_id_giga": None,
        "school_id_govt": "KZ-1",
        "days": [
            {"date": "2026-03-02", "connectivity_speed": 300000},
            {"date": "2026-03-03", "connectivity_speed": 200000},
        ],
    }
    school.open()
    assert school.commit([], report=report).body["accepted"] == 0
    assert school.commit([], report=report).status == 200
    with app.app_context():
        days = [row.day for row in db.session.scalars(db.select(SchoolReportDay).order_by(SchoolReportDay.day))]
    assert days == ["2026-03-02", "2026-03-03"]


def test_sessions_and_sequence_numbers_survive_a_hub_restart(make_app, start_server, data_dir):
    app = make_app(HUB_MODE=True)
    key = SigningKey.generate()
    register_school(app, "village-7", key)
    server = start_server(data_dir=data_dir, starter="", env=HUB_ENV)
    school = Pusher(server.url, key)
    school.open()
    school.chunk(CLIP, 0, CHUNK)
    server.proc.terminate()
    server.proc.wait(timeout=10)
    school.base = start_server(data_dir=data_dir, starter="", env=HUB_ENV).url
    assert school.replay().status == 409, "a sequence number spent before the restart stays spent"
    assert school.have(CLIP).body["missing"] == {sha(CLIP): CHUNK}
    assert school.upload(CLIP, start=CHUNK).body == {"have": len(CLIP)}
