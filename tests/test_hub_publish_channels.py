"""A hub's publish adds the lessons it approved to its installed library without dropping what else it carries."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from channel_support import install_channel, school_channel
from nacl.signing import SigningKey
from push_hub import entry, register_school

from contentserver.db import db
from contentserver.hub.publishing import with_approved_lessons
from contentserver.library.usb import installed_bundle
from contentserver.models import PushedLesson, School


def test_a_publish_with_an_approved_push_keeps_the_hubs_channels(tmp_path, make_app):
    builder = school_channel(tmp_path / "kolibri")
    app = make_app(HUB_MODE=True)
    install_channel(app, tmp_path / "kolibri")
    register_school(app, "School 17, Aqsu", SigningKey.generate())
    with app.app_context():
        school = db.session.scalar(db.select(School))
        approved = PushedLesson(
            school_id=school.id,
            push_id="p1",
            lesson_id="leaves",
            entry_json=json.dumps(entry("leaves", b"# Leaves\n")),
            state="approved",
            decided_at=datetime.now(UTC),
            hub_lesson_id="school-17-leaves",
        )
        db.session.add(approved)
        db.session.commit()
        installed = installed_bundle(app.extensions["object_store"])[0].manifest
        published = with_approved_lessons(installed_bundle(app.extensions["object_store"])[0]).manifest
        db.session.remove()
    assert [channel.id for channel in published.channels] == [builder.channel_id]
    assert published.channels == installed.channels and published.books == installed.books
    assert [lesson.id for lesson in published.lessons] == [
        *(lesson.id for lesson in installed.lessons),
        "school-17-leaves",
    ]
    assert published.version == installed.version + 1
