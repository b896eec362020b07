"""A teacher with JavaScript off adds a question template with a button, sees it in the preview, and saves."""

from __future__ import annotations

import pytest
from browser_support import browser, new_page
from teach_http import PASSWORD, start_site

pytestmark = pytest.mark.browser


def test_adding_a_question_template_and_saving_with_javascript_off(start_server, tmp_path, new_page):
    site = start_site(start_server, tmp_path / "site")
    page = new_page(locale="en-US", java_script_enabled=False)
    page.goto(site.url + "/auth/login")
    page.fill("#username", "anna")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Log in')")
    page.goto(site.url + "/teach/new")
    page.fill("#title", "Capitals")
    page.fill("#body", "# Capitals\n\nRead first.")
    page.click("summary:has-text('Add a practice question')")
    with page.expect_navigation():
        page.click("button:has-text('Short text answer')")
    assert "A question template was added at the end of the text" in page.content()
    body = page.input_value("#body")
    assert body.startswith("# Capitals\n\nRead first.\n\n```quiz\n? Name the capital of Kazakhstan.\n= Astana\n")
    assert page.locator(".preview .quiz-question").count() == 1
    assert page.input_value("#title") == "Capitals"  # the rest of the form is kept
    with page.expect_navigation():
        page.click("button[value=save]")
    assert "Saved." in page.content()
    assert "```quiz" in page.input_value("#body")
