"""Accessibility: axe-core (from npm, injected into the page) finds no serious or critical violation."""

from __future__ import annotations

import shutil

import pytest
from browser_support import axe_source, axe_violations, browser, describe, new_page
from teach_http import PASSWORD, add_user

pytestmark = pytest.mark.browser

STUDENT_PAGES = {
    "home": "/",
    "lesson": "/lessons/math-circle-kk",
    "lesson with video": "/lessons/sci-day-night-kk",
    "search": "/search?q=su",
    "login": "/auth/login",
    "saved lessons": "/saved",
}


def test_student_pages_and_teacher_editor_have_no_serious_axe_violations(
    start_server, starter_data, tmp_path, new_page, axe_source
):
    data_dir = tmp_path / "data"
    shutil.copytree(starter_data, data_dir)  # content/ imported, as run.py's first start leaves it
    add_user(data_dir, "tina")
    server = start_server(data_dir=data_dir)
    found = {}
    for locale in ("kk-KZ", "ru-RU"):
        page = new_page(locale=locale)
        for name, path in STUDENT_PAGES.items():
            page.goto(server.url + path)
            violations = axe_violations(page, axe_source)
            if violations:
                found[f"{name} ({locale})"] = violations

    page = new_page(locale="en-US")
    page.goto(server.url + "/auth/login")
    page.fill("input[name=username]", "tina")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.goto(server.url + "/teach/new")
    assert page.is_visible("textarea")
    for name in ("teacher editor", "teacher editor with preview"):
        violations = axe_violations(page, axe_source)
        if violations:
            found[name] = violations
        page.fill("input[name=title]", "Photosynthesis")
        page.fill("textarea", "# Photosynthesis\n\nPlants make sugar from light.")
        with page.expect_navigation():
            page.click("button[value=preview]")
    assert not found, describe(found)
