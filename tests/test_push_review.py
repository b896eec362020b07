"""The hub's review queue: admins preview pushed lessons and approve or reject them; approved ones are browsable,
searchable and in the next publish of the installed library."""

from __future__ import annotations

import json
import os
import subprocess

import pytest
from conftest import VENV_BIN, import_into, png_bytes
from nacl.signing import SigningKey
from push_hub import CHUNK, HUB_ENV, Pusher, entry, register_school, sha
from teach_http import Client, Site, add_user, in_search, inert_problems, xss_vectors

from contentserver.db import db
from contentserver.models import Lesson, PushedLesson, School

BODY = b"# Leaf colours\n\nChlorophyll makes leaves green.\n\n![a leaf](leaf.png)\n"
LEAF = png_bytes(8, 8, (20, 160, 40))
CLIP = os.urandom(2 * CHUNK + 777)


@pytest.fixture
def hub(make_app, start_server, data_dir, make_library):
    """A hub with an installed library, an admin `boss`, a teacher `anna`, and one school that pushed a lesson."""
    app = make_app(HUB_MODE=True)
    import_into(app, make_library(["alpha", "beta"]))
    key = SigningKey.generate()
    register_school(app, "School 17, Aqsu", key)
    add_user(data_dir, "boss", admin=True)
    add_user(data_dir, "anna")
    server = start_server(data_dir=data_dir, starter="", env=HUB_ENV)
    school = Pusher(server.url, key)
    school.open()
    for data in (BODY, LEAF, CLIP):
        school.upload(data)
    assert school.commit([entry("leaves", BODY, leaf_png=LEAF, clip_mp4=CLIP)]).status == 200
    return app, server, school


def admin(server, name: str = "boss") -> Client:
    client = Client(server.url)
    assert client.login(name).status == 303
    return client


def item_id(app) -> int:
    with app.app_context():
        return db.session.scalar(db.select(PushedLesson.id))


def state(app) -> str:
    with app.app_context():
        return db.session.scalar(db.select(PushedLesson.state))


def publish(data_dir, out) -> dict:
    """`contentserver keygen` and `publish --out OUT` of the installed library; the published manifest."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    key = data_dir / "keys" / "hub.key"
    for args in ([] if key.exists() else [["keygen"]]) + [["publish", "--out", str(out), "--key", str(key)]]:
        done = subprocess.run(
            [str(VENV_BIN / "contentserver"), *args, "--data", str(data_dir)],
            env=environ,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    return json.loads((out / "manifest.json").read_text("utf-8"))


def test_an_approved_push_is_browsable_searchable_and_in_the_next_publish(hub, data_dir, tmp_path):
    app, server, _school = hub
    boss = admin(server)
    page = boss.get("/admin/review/")
    assert page.status == 200 and "Lesson leaves" in page.text and "School 17, Aqsu" in page.text
    assert "<h1>Leaf colours</h1>" in page.text and f'src="/admin/review/objects/{sha(LEAF)}"' in page.text
    assert boss.get(f"/admin/review/objects/{sha(LEAF)}").status == 200
    assert server.get(f"/objects/{sha(LEAF)}")[0] == 404, "nothing under review is public"
    assert "/admin/review/" in boss.get("/admin/").text

    reply = boss.post(f"/admin/review/{item_id(app)}/approve")
    assert reply.status == 303 and state(app) == "approved"
    hub_id = "school-17-aqsu-leaves"
    assert "Chlorophyll" in server.get(f"/lessons/{hub_id}")[2].decode()
    assert server.get(f"/objects/{sha(CLIP)}")[0] == 200
    assert in_search(Site(server, data_dir), "chlorophyll", hub_id)
    assert "No pushed lessons are waiting" in boss.get("/admin/review/").text

    manifest = publish(data_dir, tmp_path / "published")
    assert {lesson["id"] for lesson in manifest["lessons"]} == {"alpha", "beta", hub_id}
    assert manifest["version"] == 2, "the installed version 1 plus one approval"
    assert (tmp_path / "published" / "objects" / sha(CLIP)[:2] / sha(CLIP)[2:]).read_bytes() == CLIP


def test_a_rejected_push_stays_out_of_the_library(hub, data_dir, tmp_path):
    app, server, _school = hub
    boss = admin(server)
    boss.get("/admin/review/")
    assert boss.post(f"/admin/review/{item_id(app)}/reject").status == 303
    assert state(app) == "rejected"
    assert server.get("/lessons/school-17-aqsu-leaves")[0] == 404
    assert [lesson["id"] for lesson in publish(data_dir, tmp_path / "published")["lessons"]] == ["alpha", "beta"]


def test_a_decision_without_the_forms_csrf_token_changes_nothing(hub):
    app, server, _school = hub
    boss = admin(server)
    boss.get("/admin/review/")
    assert boss.post(f"/admin/review/{item_id(app)}/approve", csrf=False).status == 400
    assert state(app) == "waiting"


def test_teachers_and_visitors_cannot_review(hub):
    app, server, _school = hub
    anna = admin(server, "anna")
    assert anna.get("/admin/review/").status == 403
    anna.get("/teach/")
    assert anna.post(f"/admin/review/{item_id(app)}/approve").status == 403
    assert anna.get(f"/admin/review/objects/{sha(LEAF)}").status == 403
    visitor = Client(server.url)
    assert visitor.get("/admin/review/").status in (302, 303)
    assert state(app) == "waiting"


def test_a_hostile_pushed_lesson_previews_inert(make_app, start_server, data_dir):
    app = make_app(HUB_MODE=True)
    key = SigningKey.generate()
    register_school(app, "village-7", key)
    add_user(data_dir, "boss", admin=True)
    server = start_server(data_dir=data_dir, starter="", env=HUB_ENV)
    school = Pusher(server.url, key)
    school.open()
    body = "\n\n".join(xss_vectors()).encode()
    school.upload(body)
    school.commit([entry("xss", body)])
    page = admin(server).get("/admin/review/")
    assert page.status == 200 and "Lesson xss" in page.text
    assert inert_problems(page.text) == []


def test_hub_ids_are_the_school_slug_and_lesson_id_cut_to_the_id_rule(app):
    from contentserver.hub.review import hub_lesson_id

    with app.app_context():
        kazakh = School(id=3, name="Ақсу ауылының №2 мектебі", public_key="0" * 64)
        assert hub_lesson_id(kazakh, "fractions") == "aqsu-auylynyn-2-mektebi-fractions"
        assert hub_lesson_id(School(id=4, name="№ 17", public_key="1" * 64), "x") == "17-x"
        assert hub_lesson_id(School(id=5, name="…", public_key="2" * 64), "x") == "school-5-x"
        long_id = hub_lesson_id(School(id=6, name="a" * 60, public_key="3" * 64), "b" * 30 + "-" + "c" * 49)
        assert len(long_id) <= 80 and not long_id.endswith("-")


def test_files_of_lessons_under_review_survive_garbage_collection(hub):
    app, _server, _school = hub
    from contentserver.cleanup import collect

    with app.app_context():
        collect(app, 0)
    assert all(app.extensions["object_store"].has(sha(data)) for data in (BODY, LEAF, CLIP))


def test_approving_a_lesson_whose_hub_id_is_taken_is_refused(hub):
    app, server, _school = hub
    with app.app_context():
        db.session.add(
            Lesson(
                id="school-17-aqsu-leaves",
                title="Other",
                lang="en",
                script="Latn",
                subject="science",
                grade=5,
                body_sha256=sha(BODY),
                origin="local",
                status="draft",
            )
        )
        db.session.commit()
    boss = admin(server)
    boss.get("/admin/review/")
    assert boss.post(f"/admin/review/{item_id(app)}/approve").status == 409
    assert state(app) == "waiting"


def test_a_lesson_pushed_again_after_approval_replaces_the_hubs_copy_when_approved(hub, data_dir, tmp_path):
    app, server, school = hub
    boss = admin(server)
    boss.get("/admin/review/")
    boss.post(f"/admin/review/{item_id(app)}/approve")
    assert publish(data_dir, tmp_path / "first")["version"] == 2
    newer = BODY.replace(b"green", b"green in summer")
    school.upload(newer)
    school.commit([entry("leaves", newer, leaf_png=LEAF, clip_mp4=CLIP)])
    with app.app_context():
        waiting = db.session.scalar(db.select(PushedLesson.id).where(PushedLesson.state == "waiting"))
    boss.get("/admin/review/")
    assert boss.post(f"/admin/review/{waiting}/approve").status == 303
    assert "green in summer" in server.get("/lessons/school-17-aqsu-leaves")[2].decode()
    manifest = publish(data_dir, tmp_path / "first")
    pushed = [lesson for lesson in manifest["lessons"] if lesson["id"] == "school-17-aqsu-leaves"]
    assert manifest["version"] == 3 and [lesson["body"]["sha256"] for lesson in pushed] == [sha(newer)]
