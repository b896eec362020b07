"""Shared parts of the first-hour browser tests (issue 20): the views every test runs in, logging in, axe."""

from __future__ import annotations

from browser_support import axe_violations, describe
from teach_http import PASSWORD

PHONE = {"width": 360, "height": 640}
DESKTOP = {"width": 1280, "height": 800}
# Every test runs on a phone in Kazakh and on a desktop in Russian: both sizes, both languages.
VIEWS = [("kk-KZ", PHONE), ("ru-RU", DESKTOP)]
VIEW_IDS = ["kk-phone", "ru-desktop"]


def open_page(new_page, locale: str, viewport: dict, **options):
    return new_page(locale=locale, viewport=viewport, **options)


def log_in(page, url: str, username: str) -> None:
    page.goto(url + "/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def assert_axe_clean(page, axe_js: str) -> None:
    violations = axe_violations(page, axe_js)
    assert not violations, describe(violations)


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
