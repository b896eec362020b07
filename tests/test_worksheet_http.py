"""The worksheet page over real waitress: who may open it, a lesson without a quiz, and every hostile vector inside
questions, choices, hints, answers and explanations printed as text."""

from __future__ import annotations

from conftest import Elements, xss_vectors
from teach_http import create_lesson, start_site
from test_practice_http import _hostile_body


def test_who_may_print_which_worksheet_and_hostile_text_stays_text(start_server, tmp_path):
    site = start_site(start_server, tmp_path / "site")
    anna, boris = site.client("anna"), site.client("boris")
    hostile = create_lesson(anna, status="published", body=_hostile_body())
    draft = create_lesson(anna, status="draft", body="# Draft\n\n```quiz\n? Two plus two?\n= 4\n```\n")
    plain = create_lesson(anna, status="published", body="# No quiz\n\nJust reading.\n")

    page = anna.get(f"/teach/lessons/{hostile}/worksheet")
    assert page.status == 200
    elements = Elements(page.text)
    assert not [a for _t, a in elements.elements if any(k.startswith("on") for k in a)]
    assert not [a for _t, a in elements.elements if "javascript:" in (a.get("href") or a.get("src") or "").lower()]
    assert all((a.get("src") or "").startswith("/static/") for a in elements.find("script"))
    assert page.text.count('class="worksheet-question"') == len(xss_vectors()) + 1

    assert "Two plus two?" in anna.get(f"/teach/lessons/{draft}/worksheet").text  # the author's own draft
    assert boris.get(f"/teach/lessons/{draft}/worksheet").status == 404  # another teacher's draft: not there
    assert "This lesson has no quiz." in boris.get(f"/teach/lessons/{plain}/worksheet").text
    assert boris.get("/teach/lessons/nope/worksheet").status == 404
    assert "Printable worksheet" in anna.get(f"/teach/lessons/{draft}").text  # linked from the editor


def test_one_quiz_of_a_lesson_can_be_printed_alone(start_server, tmp_path):
    site = start_site(start_server, tmp_path / "site")
    anna = site.client("anna")
    quizzes = ("? First question\n= a", "? Broken", "? Second question\n= b")
    body = "# Two\n\n" + "\n".join(f"```quiz\n{quiz}\n```\n" for quiz in quizzes)
    lesson = create_lesson(anna, status="published", body=body)
    whole = anna.get(f"/teach/lessons/{lesson}/worksheet").text
    assert "First question" in whole and "Second question" in whole and "Broken" not in whole
    second = anna.get(f"/teach/lessons/{lesson}/worksheet?quiz=2").text
    assert "Second question" in second and "First question" not in second and "<h2>quiz 2</h2>" in second
    assert "<strong>b</strong>" in second and "<strong>a</strong>" not in second  # its answer key only
    for wrong in ("0", "3", "x"):
        status = anna.get(f"/teach/lessons/{lesson}/worksheet?quiz={wrong}").status
        assert status == (200 if wrong == "x" else 404)  # not a number: the whole worksheet
    results = anna.get(f"/teach/lessons/{lesson}/results").text
    assert f'href="/teach/lessons/{lesson}/worksheet?quiz=2">Print this quiz</a>' in results
