"""A student on a 360×640 phone with JavaScript off answers a quiz inside a lesson, and sees their progress."""

from __future__ import annotations

import pytest
from browser_support import browser, new_page, wait_until
from conftest import lesson_spec
from test_practice_http import QUIZ_BODY

pytestmark = pytest.mark.browser

FITS = """() => {
    const problems = [];
    if (document.scrollingElement.scrollWidth > window.innerWidth) problems.push('scrolls sideways');
    for (const el of document.querySelectorAll('.quiz-choice, .quiz button, .quiz input[type=text]')) {
        const box = el.getBoundingClientRect();
        if (box.width && box.height < 44) problems.push(el.outerHTML.slice(0, 60) + ': ' + box.height + 'px');
    }
    return problems;
}"""


def test_answering_a_quiz_with_javascript_off_on_a_small_phone(start_server, make_library, new_page):
    library = make_library([lesson_spec("capitals", title="Capitals", body=QUIZ_BODY)])
    server = start_server(starter=str(library))
    page = new_page(locale="en-US", java_script_enabled=False)
    page.goto(server.url + "/lessons/capitals")
    assert page.evaluate(FITS) == []
    first = page.locator("#quiz-0-0")
    first.get_by_text("Astana").click()
    first.get_by_role("button", name="Check my answer").click()
    wait_until(page, "() => document.querySelector('.quiz-result') !== null")
    assert page.locator("h1").inner_text() == "Right!"
    assert "The capital moved there in 1997." in page.content()
    assert page.evaluate("() => document.scrollingElement.scrollWidth <= window.innerWidth")

    page.get_by_role("link", name="Back to the quiz").click()
    second = page.locator("#quiz-0-1")
    second.get_by_label("Your answer").fill("астана")
    second.get_by_role("button", name="Check my answer").click()
    wait_until(page, "() => document.querySelector('.quiz-result') !== null")
    assert page.locator("h1").inner_text() == "Right!"
    assert "Mastered! Well done." in page.content()

    page.get_by_role("link", name="My practice").click()
    wait_until(page, "() => document.querySelector('table.practice') !== null")
    assert "Mastered" in page.locator("table.practice").inner_text()
    assert page.context.cookies()[0]["httpOnly"] is True


def test_with_javascript_the_answer_shows_under_the_question_without_a_reload(start_server, make_library, new_page):
    library = make_library([lesson_spec("capitals", title="Capitals", body=QUIZ_BODY)])
    server = start_server(starter=str(library))
    page = new_page(locale="en-US")
    first = pick_and_check(page, server.url + "/lessons/capitals", "Almaty", ".quiz-verdict")
    assert page.evaluate("() => window.notReloaded === true")
    assert first.locator(".quiz-verdict").inner_text() == "Not quite."
    assert "The capital moved there in 1997." in first.inner_text()
    second = page.locator("#quiz-0-1")
    second.get_by_label("Your answer").fill("Астана")
    second.get_by_role("button", name="Check my answer").click()
    wait_until(page, "() => document.querySelector('#quiz-0-1 .quiz-verdict') !== null")
    assert second.locator(".quiz-verdict").inner_text() == "Right!"
    assert page.evaluate("() => window.notReloaded === true")
    assert any(c["name"] == "practice" and c["httpOnly"] for c in page.context.cookies())


def pick_and_check(page, url: str, choice: str, shown: str):
    """Open the lesson (marked, so a reload would show), pick `choice` in its first question and check it; the
    question, once `shown` (a selector) appears in it."""
    page.goto(url)
    page.evaluate("() => { window.notReloaded = true; }")
    first = page.locator("#quiz-0-0")
    first.get_by_text(choice).click()
    first.get_by_role("button", name="Check my answer").click()
    wait_until(page, f"() => document.querySelector('#quiz-0-0 {shown}') !== null")
    return first
