"""Clean-up: old staging leftovers and unreferenced objects go; referenced, teacher and recent files stay."""

from __future__ import annotations

import json
import os
import time

from conftest import lesson_spec

from contentserver.cleanup import collect
from contentserver.db import db
from contentserver.models import Lesson, LessonRevision, OutgoingPush, utcnow

DAY = 24 * 3600


def _age(path, seconds: float) -> None:
    stamp = time.time() - seconds
    os.utime(path, (stamp, stamp))


def test_unreferenced_objects_older_than_the_grace_period_are_deleted(app, make_library, import_library_into):
    import_library_into(
        app, make_library([lesson_spec("a", body="# A\n"), lesson_spec("b", body="# B\n")], library_id="lib", version=1)
    )
    store = app.extensions["object_store"]
    with app.app_context():
        teacher_body = store.put_bytes(b"# teacher's own\n")
        db.session.add(
            Lesson(
                id="mine",
                title="Mine",
                lang="en",
                script="Latn",
                subject="math",
                grade=3,
                body_sha256=teacher_body,
                origin="local",
                status="draft",
            )
        )
        db.session.commit()
        orphan_old, orphan_new = store.put_bytes(b"left by a killed sync"), store.put_bytes(b"arrived just now")
    import_library_into(app, make_library([lesson_spec("a", body="# A\n")], library_id="lib", version=2))
    for sha in list(store):
        _age(store.path(sha), 8 * DAY)
    _age(store.path(orphan_new), 10)
    with app.app_context():
        freed = collect(app, 7 * DAY)
    remaining = set(store)
    assert orphan_old not in remaining and orphan_new in remaining
    assert teacher_body in remaining
    with app.app_context():
        bodies = {row.body_sha256 for row in db.session.scalars(db.select(Lesson))}
    assert bodies <= remaining
    assert freed.files == 2  # the orphan and the body of removed lesson "b"


def test_staging_leftovers_are_deleted_after_the_grace_period(app, data_dir):
    staging = data_dir / "staging" / "pull"
    staging.mkdir(parents=True, exist_ok=True)
    old, fresh = staging / ("a" * 64 + ".part"), staging / ("b" * 64 + ".part")
    old.write_bytes(b"x" * 1000)
    fresh.write_bytes(b"y" * 1000)
    _age(old, 8 * DAY)
    with app.app_context():
        freed = collect(app, 7 * DAY)
    assert not old.exists() and fresh.exists()
    assert freed.bytes == 1000


def test_objects_of_a_teachers_earlier_revisions_survive_clean_up(app):
    store = app.extensions["object_store"]
    with app.app_context():
        old_body, old_file, new_body = (
            store.put_bytes(b"# first draft\n"),
            store.put_bytes(b"old picture"),
            store.put_bytes(b"# second draft\n"),
        )
        db.session.add(
            Lesson(
                id="mine",
                title="Mine",
                lang="en",
                script="Latn",
                subject="math",
                grade=3,
                body_sha256=new_body,
                origin="local",
                status="draft",
            )
        )
        db.session.flush()
        snapshot = {"body_sha256": old_body, "attachments": [{"name": "p.png", "sha256": old_file}]}
        db.session.add(LessonRevision(lesson_id="mine", number=1, snapshot_json=json.dumps(snapshot)))
        db.session.commit()
    for sha in list(store):
        _age(store.path(sha), 8 * DAY)
    with app.app_context():
        collect(app, 7 * DAY)
    assert {old_body, old_file, new_body} <= set(store)


def _pinned(body: str, clip: str) -> str:
    return json.dumps(
        [
            {
                "id": "gone",
                "body": {"sha256": body, "size": 10},
                "attachments": [{"name": "clip.mp4", "sha256": clip, "size": 20, "type": "video/mp4"}],
            }
        ]
    )


def test_objects_a_push_not_yet_committed_pinned_survive_clean_up_and_go_once_it_is(app):
    """The lesson changed (or went) after the push was pinned: a resumed push still sends exactly what it pinned."""
    store = app.extensions["object_store"]
    with app.app_context():
        body, clip = store.put_bytes(b"# pinned body\n"), store.put_bytes(b"pinned video")
        sent_body, sent_clip = store.put_bytes(b"# committed body\n"), store.put_bytes(b"committed video")
        db.session.add(OutgoingPush(push_id="a" * 32, hub_url="http://hub/", lessons_json=_pinned(body, clip)))
        db.session.add(
            OutgoingPush(
                push_id="b" * 32,
                hub_url="http://hub/",
                committed_at=utcnow(),
                accepted=1,
                lessons_json=_pinned(sent_body, sent_clip),
            )
        )
        db.session.commit()
    for sha in list(store):
        _age(store.path(sha), 8 * DAY)
    with app.app_context():
        collect(app, 7 * DAY)
    assert {body, clip} <= set(store)
    assert not {sent_body, sent_clip} & set(store), "a committed push keeps nothing"
    with app.app_context():
        db.session.get(OutgoingPush, "a" * 32).committed_at = utcnow()
        db.session.commit()
        collect(app, 7 * DAY)
    assert not {body, clip} & set(store)
