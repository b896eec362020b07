"""The printable worksheet rendered to PDF by headless Chromium: the questions on the first page, the answer key on
the last page and only there; teachers only (it holds the answers)."""

from __future__ import annotations

import io

import pytest
from browser_support import axe_source, axe_violations, browser, describe, new_page
from pypdf import PdfReader
from teach_http import PASSWORD, create_lesson, start_site

pytestmark = pytest.mark.browser

BODY = """# Capitals and tracks

```quiz
shuffle: yes

? Which city is the capital of Kazakhstan?
(x) Astana
( ) Almaty
( ) Shymkent
explain: The capital moved there in 1997.

? Which numbers are prime?
[x] 2
[ ] 4
[x] 7

? Name the capital.
= Astana
= Nur-Sultan

? How long is a running track?
= 400 +- 5 m
hint: Count the laps.
```
"""


def _text(page) -> str:
    return " ".join(page.extract_text().split())


def test_the_worksheet_prints_questions_first_and_the_answers_on_the_last_page(
    start_server, tmp_path, new_page, axe_source
):
    site = start_site(start_server, tmp_path / "site")
    anna = site.client("anna")
    lesson_id = create_lesson(anna, status="published", body=BODY)
    path = f"/teach/lessons/{lesson_id}/worksheet"
    assert site.client().get(path).status in (302, 303)  # a student's browser is sent to the login
    assert site.client("boris").get(path).status == 200  # any teacher may print a published lesson's quiz
    lesson_page = site.client().get(f"/lessons/{lesson_id}").text
    assert "Nur-Sultan" not in lesson_page and "1997" not in lesson_page  # the students' page still has no answers

    page = new_page(locale="en-US")
    page.goto(site.url + "/auth/login")
    page.fill("#username", "anna")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Log in')")
    page.goto(site.url + path)
    violations = axe_violations(page, axe_source)
    assert not violations, describe(violations)
    shown = [page.locator(".worksheet-question").nth(0).locator("li").nth(i).inner_text() for i in range(3)]
    primes = page.locator(".worksheet-question").nth(1).locator("li").all_inner_texts()
    key = "; ".join(text.strip() for text in primes if text.strip().endswith((") 2", ") 7")))
    on_lesson = page.context.new_page()
    on_lesson.goto(site.url + f"/lessons/{lesson_id}")
    choices = on_lesson.locator("#quiz-0-0 .quiz-choice").all_inner_texts()
    assert [s.split(") ", 1)[1] for s in shown] == [c.strip() for c in choices]  # the same mixed order as the page
    on_lesson.close()

    pdf = PdfReader(io.BytesIO(page.pdf(format="A4")))
    pages = [_text(p) for p in pdf.pages]
    assert len(pages) >= 2
    first, last = pages[0], pages[-1]
    for question in ("Which city is the capital of Kazakhstan?", "Which numbers are prime?", "Name the capital."):
        assert question in first
    assert "Teacher login" not in first and "Served from this school" not in "".join(pages)  # print CSS
    assert "Answers" in last and "The capital moved there in 1997." in last
    assert "Astana or Nur-Sultan" in last and "400 ± 5 m" in last
    assert key.count(")") == 2 and key in last  # the letters as printed for this mixed order
    for answer in ("Answers", "1997", "Nur-Sultan", "400 ± 5"):
        assert not any(answer in text for text in pages[:-1]), answer
