"""Practice results travel up with the push, per lesson, quiz and day (no devices, no answers' texts), and the hub
shows them per school; a second push replaces its days, never adds; a malformed payload is refused whole."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from nacl.signing import SigningKey
from push_helpers import school_with_shared_lesson
from push_hub import PREFIX, Pusher
from teach_http import Client, add_user
from test_sync_push import execute, hub, push, register

from contentserver.db import db
from contentserver.hub.quiz_results import by_school, csv_text, store_quiz_results
from contentserver.hub.schools import SchoolError, add_school
from contentserver.models import Push, SchoolQuizDay
from contentserver.quizzes.report import FORMAT, build_quiz_results
from contentserver.quizzes.results import count_answer
from sync.errors import EXIT_OK

TODAY = datetime.now(UTC).date()


def _day(back: int) -> str:
    return (TODAY - timedelta(days=back)).isoformat()


def _practise(app) -> None:
    """Answers as the practice view counts them: two versions of one lesson, two quizzes, a lesson since deleted,
    and a day too old to send."""
    with app.app_context():
        for right in (True, True, False):
            count_answer("our-lesson", "a" * 64, 0, 0, right, None if right else ("t:almaty", "Almaty"))
        count_answer("our-lesson", "b" * 64, 0, 1, True, mastered=True)  # the lesson's next version: summed
        count_answer("our-lesson", "a" * 64, 1, 0, False, ("c:1", "c:1"))
        for day, lesson in ((_day(1), "gone"), (_day(40), "our-lesson")):
            db.session.execute(
                db.text(
                    "INSERT INTO quiz_result_days (lesson_id, body_sha256, quiz, question, day, attempts, correct) "
                    "VALUES (:lesson, :sha, 0, 0, :day, 5, 4)"
                ),
                {"lesson": lesson, "sha": "c" * 64, "day": day},
            )
        db.session.commit()
        db.session.remove()


def _hub_rows(hub_app) -> list[tuple]:
    with hub_app.app_context():
        rows = db.session.scalars(db.select(SchoolQuizDay).order_by(SchoolQuizDay.day, SchoolQuizDay.quiz))
        found = [(r.day, r.lesson_id, r.title, r.quiz, r.attempts, r.correct, r.mastered) for r in rows]
        db.session.remove()
    return found


def test_quiz_results_go_up_with_the_push_and_the_hub_shows_them_per_school(hub, make_app):
    app = make_app()
    register(hub, school_with_shared_lesson(app, hub.url, 5000))
    _practise(app)
    with app.app_context():
        sent = json.dumps(build_quiz_results())
        db.session.remove()
    assert "Almaty" not in sent and "c:1" not in sent and "a" * 64 not in sent  # counts only
    assert push(app) == EXIT_OK
    expected = [
        (_day(1), "gone", "", 0, 5, 4, 0),
        (_day(0), "our-lesson", "Lesson our-lesson", 0, 4, 3, 1),
        (_day(0), "our-lesson", "Lesson our-lesson", 1, 1, 0, 0),
    ]
    assert _hub_rows(hub.app) == expected

    with app.app_context():  # one more answer today, then the daily report push: today's rows are replaced
        count_answer("our-lesson", "a" * 64, 0, 0, True)
        db.session.remove()
    execute(app, "UPDATE outgoing_pushes SET committed_at = '2020-01-01 00:00:00.000000'")
    assert push(app) == EXIT_OK
    assert _hub_rows(hub.app) == [expected[0], (*expected[1][:4], 5, 4, 1), expected[2]]

    add_user(hub.server.data_dir, "boss", admin=True)
    admin = Client(hub.server.url)
    assert admin.login("boss").status == 303
    page = admin.get("/admin/quizzes/").text
    section = page.split("School 17, Aqsu")[1]
    rows = [" ".join(r.split()) for r in section.split("<tr>")[2:]]
    assert rows[0].startswith(f"<td>{_day(0)}</td><td>Lesson our-lesson</td><td>5</td><td>80 %</td><td>1</td>")
    assert rows[1].startswith(f"<td>{_day(0)}</td><td>Lesson our-lesson (quiz 2)</td><td>1</td><td>0 %</td><td>0</td>")
    assert rows[2].startswith(f"<td>{_day(1)}</td><td>gone</td><td>5</td><td>80 %</td><td>0</td>")
    assert "Practice in schools" in admin.get("/admin/").text
    sheet = admin.get("/admin/quizzes/results.csv")
    assert sheet.status == 200 and sheet.headers["Content-Type"].startswith("text/csv")
    assert sheet.text.splitlines() == [
        "school,day,lesson_id,title,quiz,attempts,correct,mastered",
        f'"School 17, Aqsu",{_day(0)},our-lesson,Lesson our-lesson,1,5,4,1',
        f'"School 17, Aqsu",{_day(0)},our-lesson,Lesson our-lesson,2,1,0,0',
        f'"School 17, Aqsu",{_day(1)},gone,,1,5,4,0',
    ]
    assert Client(hub.server.url).get("/admin/quizzes/").status in (302, 303)  # not public


@pytest.mark.parametrize(
    "payload, why",
    [
        ({"format": "other/1", "days": []}, "not contentserver-quiz-results/1"),
        ({"format": FORMAT, "days": {}}, "days must be a list"),
        ({"format": FORMAT, "days": [{"date": "2026-13-01", "lesson_id": "a", "quiz": 0}]}, "ValueError"),
        ({"format": FORMAT, "days": [{"date": "2026-12-01", "lesson_id": "", "quiz": 0}]}, "must be text"),
        ({"format": FORMAT, "days": [{"date": "2026-12-01", "lesson_id": "a", "quiz": 0}]}, "KeyError"),
        (
            {
                "format": FORMAT,
                "days": [
                    {"date": "2026-12-01", "lesson_id": "a", "quiz": 0, "attempts": 1, "correct": 2, "mastered": 0}
                ],
            },
            "correct at most attempts",
        ),
        (
            {
                "format": FORMAT,
                "days": [
                    {"date": "2026-12-01", "lesson_id": "a", "quiz": -1, "attempts": 1, "correct": 0, "mastered": 0}
                ],
            },
            "must be counts",
        ),
        (
            {
                "format": FORMAT,
                "days": [
                    {"date": "2026-12-01", "lesson_id": "a", "quiz": True, "attempts": 1, "correct": 0, "mastered": 0}
                ],
            },
            "must be counts",
        ),
        (
            {
                "format": FORMAT,
                "days": [
                    {"date": "2026-12-01", "lesson_id": "a", "quiz": 0, "attempts": 1, "correct": 0, "mastered": 0}
                ]
                * 2,
            },
            "twice",
        ),
        ({"format": FORMAT, "days": ["x"]}, "not an object"),
        ("nope", "TypeError"),
    ],
)
def test_malformed_quiz_results_are_refused_before_anything_is_stored(make_app, payload, why):
    app = make_app(HUB_MODE=True)
    with app.app_context():
        school = add_school("School 1", SigningKey.generate().verify_key.encode().hex())
        with pytest.raises(SchoolError, match=why):
            store_quiz_results(school, payload)
        db.session.rollback()
        assert db.session.scalars(db.select(SchoolQuizDay)).all() == []
        db.session.remove()


def test_a_push_with_malformed_quiz_results_is_refused_whole_over_http(hub):
    key = SigningKey.generate()
    register(hub, key.verify_key.encode().hex())
    school = Pusher(hub.server.url, key)
    assert school.open().status == 200
    body = {"push_id": uuid.uuid4().hex, "lessons": [], "report": None, "quiz_results": {"format": FORMAT, "days": 7}}
    reply = school.signed("POST", PREFIX + "commit", json.dumps(body).encode())
    assert reply.status == 422 and "quiz results" in json.dumps(reply.body)
    with hub.app.app_context():
        assert (
            db.session.scalars(db.select(Push)).all() == [] and db.session.scalars(db.select(SchoolQuizDay)).all() == []
        )
        db.session.remove()


def test_texts_from_schools_never_start_a_formula_in_the_hub_csv(make_app):
    app = make_app(HUB_MODE=True)
    with app.app_context():
        school = add_school("=HYPERLINK(1)", SigningKey.generate().verify_key.encode().hex())
        row = {"date": "2026-12-01", "lesson_id": "-1", "title": "@SUM(A1)", "quiz": 0}
        store_quiz_results(school, {"format": FORMAT, "days": [{**row, "attempts": 2, "correct": 1, "mastered": 0}]})
        db.session.commit()
        lines = csv_text(by_school(now=datetime(2026, 12, 2, tzinfo=UTC))).splitlines()
        db.session.remove()
    assert lines[1] == "'=HYPERLINK(1),2026-12-01,'-1,'@SUM(A1),1,2,1,0"
