"""Teachers see the practice on channel exercises (issue 17): a list of the exercises answered, and per exercise
the counts per question, the common wrong answers and mastery, with a CSV by day, like a lesson's quizzes;
aggregate only. Students never see it."""

from __future__ import annotations

import csv
import io
import re

import pytest
from channel_support import install_channel, school_channel

from contentserver.accounts.users import create_user

EN = {"Accept-Language": "en"}
PASSWORD = "correct-horse-42"


def _login(client, username: str) -> None:
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    done = client.post("/auth/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    assert done.status_code in (302, 303), done.get_data(as_text=True)[:500]


@pytest.fixture
def answered(app, tmp_path):
    """The school channel installed, its exercise answered by two devices (right, wrong, wrong with 10)."""
    builder = school_channel(tmp_path / "stick")
    install_channel(app, tmp_path / "stick")
    node = builder.node_id("Санау")
    page = f"/channels/{builder.channel_id}/{node}"
    for answer in ("9", "10", "10"):
        device = app.test_client()
        html = device.get(page, headers=EN).get_data(as_text=True)
        token = re.findall(r'name="token" value="([^"]+)"', html)[1]  # the number question
        assert device.post("/practice/answer", data={"token": token, "answer": answer}).status_code == 200
    with app.app_context():
        create_user("anna", PASSWORD)
    return builder, node


def test_a_teacher_lists_the_channel_exercises_answered_and_opens_their_results(app, answered):
    builder, node = answered
    teacher = app.test_client()
    _login(teacher, "anna")
    index = teacher.get("/teach/", headers=EN).get_data(as_text=True)
    assert 'href="/teach/channels/"' in index  # the teacher's menu shows it once a channel is installed
    listed = teacher.get("/teach/channels/", headers=EN).get_data(as_text=True)
    results_url = f"/teach/channels/{builder.channel_id}/{node}/results"
    assert results_url in listed and "Санау" in listed and "Табиғат" in listed
    assert re.search(r"<td>3</td>\s*<td>33 %</td>", listed)
    results = teacher.get(results_url, headers=EN).get_data(as_text=True)
    assert "Practice results" in results and "3×3?" in results and "2+2?" in results
    row = re.search(r"<tr><td>2\. 3×3\?</td><td>(\d+)</td><td>(\d+) %</td>(.*?)</tr>", results, re.S)
    assert row and row.groups()[:2] == ("3", "33") and "<q>10</q> (2)" in row.group(3)
    assert "Nothing here says who answered" in results and "Print this quiz" not in results
    sheet = teacher.get(f"{results_url}.csv")
    assert sheet.mimetype == "text/csv" and "attachment" in sheet.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(sheet.get_data(as_text=True))))
    assert rows[0] == ["day", "quiz", "question", "attempts", "correct", "mastered", "common_wrong_answers"]
    assert [r[2:5] + r[6:] for r in rows[1:] if r[2]] == [["2", "3", "1", "10 (2)"]]


def test_students_and_visitors_are_sent_to_log_in_and_unknown_exercises_are_404(app, answered):
    builder, node = answered
    anonymous = app.test_client()
    for url in ("/teach/channels/", f"/teach/channels/{builder.channel_id}/{node}/results",
                f"/teach/channels/{builder.channel_id}/{node}/results.csv"):  # fmt: skip
        reply = anonymous.get(url)
        assert reply.status_code == 302 and "/auth/login" in reply.headers["Location"], url
    teacher = app.test_client()
    _login(teacher, "anna")
    video = builder.node_id("Судың айналымы")
    for url in (f"/teach/channels/{builder.channel_id}/{video}/results", f"/teach/channels/{'0' * 32}/{node}/results",
                f"/teach/channels/{builder.channel_id}/not~an~id/results"):  # fmt: skip
        assert teacher.get(url).status_code == 404, url


def test_the_list_says_when_nothing_was_answered(app, tmp_path):
    school_channel(tmp_path / "stick")
    install_channel(app, tmp_path / "stick")
    with app.app_context():
        create_user("anna", PASSWORD)
    teacher = app.test_client()
    _login(teacher, "anna")
    listed = teacher.get("/teach/channels/", headers=EN).get_data(as_text=True)
    assert "No exercise of the installed channels has been answered yet." in listed


def test_a_schools_push_names_the_channel_exercise_answered(app, answered):
    """The practice report a push carries to the hub: the exercise's counts under its quiz id, with its title."""
    from contentserver.quizzes.report import build_quiz_results

    builder, node = answered
    with app.app_context():
        days = build_quiz_results(store=app.extensions["object_store"])["days"]
    (row,) = [d for d in days if d["lesson_id"] == f"channels/{builder.channel_id}/{node}"]
    assert (row["title"], row["attempts"], row["correct"]) == ("Санау", 3, 1)
