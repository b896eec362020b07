"""In real headless Chromium: a teacher writes a lesson with a table and an image, publishes, a student sees it."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, wait_until
from conftest import png_bytes
from teach_http import PASSWORD, inert_problems, start_site, xss_vectors

pytestmark = pytest.mark.browser
BODY = """# Leaves

| Part | Job |
|------|-----|
| Leaf | Makes sugar |
| Root | Drinks water |

![A green leaf](leaf.png)
"""


def watch(page) -> list[str]:
    """Every dialog (alert, confirm …) the page opens: an executed injection would show up here."""
    seen: list[str] = []
    page.on("dialog", lambda dialog: (seen.append(dialog.message), dialog.dismiss()))
    return seen


def refused(page) -> list[str]:
    """What the pages' Content-Security-Policy refused, as Chromium reports it on the console."""
    seen: list[str] = []
    page.on("console", lambda message: "Content Security Policy" in message.text and seen.append(message.text))
    return seen


def test_teacher_publishes_a_lesson_with_table_and_image_and_a_student_sees_it(start_server, tmp_path: Path):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps`")
    from playwright.sync_api import sync_playwright

    site = start_site(start_server, tmp_path / "site")
    image = tmp_path / "leaf.png"
    image.write_bytes(png_bytes(40, 30, (20, 160, 40)))
    hostile = "\n\n".join(xss_vectors())
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            teacher = browser.new_context(locale="en-US").new_page()
            teacher_dialogs, teacher_refused = watch(teacher), refused(teacher)
            teacher.goto(site.url + "/")
            teacher.click("text=Teacher login")
            teacher.fill("#username", "anna")
            teacher.fill("#password", PASSWORD)
            teacher.click("button:has-text('Log in')")
            teacher.click("text=Write a new lesson")
            teacher.fill("#title", "Leaves <b>and</b> roots")
            teacher.select_option("#subject", "science")
            teacher.fill("#tags", "plants, <img src=x onerror=alert(1)>")
            teacher.fill("#body", BODY + "\n" + hostile)
            with teacher.expect_navigation():  # (the count below does not wait for the answer)
                teacher.click("button[value=preview]")
            assert teacher.locator(".preview table td", has_text="Makes sugar").count() == 1
            teacher.click("button[value=save]")
            teacher.set_input_files("#file", str(image))
            teacher.click("button:has-text('Upload')")
            assert teacher.locator("#files a", has_text="leaf.png").count() == 1
            teacher.check("input[value=published]")
            teacher.click("button[value=save]")
            teacher.click("text=Published: open the students' page")
            lesson_url = teacher.url

            student = browser.new_context(locale="en-US").new_page()
            student_dialogs, student_refused = watch(student), refused(student)
            student.goto(lesson_url)
            assert student.locator("article.lesson table td", has_text="Drinks water").count() == 1
            wait_until(student, "() => document.querySelector(\"article.lesson img[alt='A green leaf']\")?.complete")
            image_size = student.eval_on_selector(
                "article.lesson img[alt='A green leaf']", "img => img.complete && [img.naturalWidth, img.naturalHeight]"
            )
            assert image_size == [40, 30]
            assert student.title().startswith("Leaves <b>and</b> roots")
            assert "<img src=x onerror=alert(1)>" in student.inner_text("main"), "a hostile tag shows as text"
            student.wait_for_timeout(300)
            student.screenshot(path=str(tmp_path / "student-lesson.png"), full_page=True)
            assert inert_problems(student.content()) == []
            assert teacher_dialogs == [] and student_dialogs == [], "an injected script ran"
            assert teacher_refused == [] and student_refused == [], "the pages need something their CSP refuses"
        finally:
            browser.close()
    assert (tmp_path / "student-lesson.png").stat().st_size > 1000
    print(f"screenshot: {tmp_path / 'student-lesson.png'}")
