"""Old phones: at 360×640 with JavaScript off, no page scrolls sideways, type is readable, tap targets are ≥ 44 px."""

from __future__ import annotations

import pytest
from browser_support import browser, new_page
from conftest import CONTENT

pytestmark = pytest.mark.browser

PAGES = [
    "/",
    "/subjects/science",
    "/grades/6",
    "/languages/ru",
    "/search?q=su",
    "/search?q=zzzzqqq",
    "/auth/login",
    "/saved",
    "/no-such-page",
] + sorted(f"/lessons/{p.parent.name}" for p in CONTENT.glob("*/lesson.md"))
# Things a thumb presses on its own; links inside running text are exempt (WCAG 2.5.8 "inline").
TARGETS = (
    "header a, nav a, button, input:not([type=hidden]), select, textarea, .tiles a, .lessons > li > a, "
    ".pager a, figcaption a, .also-in a"
)
PHONE_CHECK = """(targets) => {
    const problems = [];
    const root = document.scrollingElement;
    if (root.scrollWidth > window.innerWidth) problems.push('scrolls sideways: ' + root.scrollWidth + 'px');
    const size = parseFloat(getComputedStyle(document.body).fontSize);
    if (size < 16) problems.push('body text ' + size + 'px');
    for (const el of document.querySelectorAll(targets)) {
        const box = el.getBoundingClientRect();
        if (box.width && box.height < 44) problems.push(el.outerHTML.slice(0, 80) + ': ' + box.height + 'px high');
    }
    return problems;
}"""


def test_every_page_fits_a_360px_phone_with_big_enough_tap_targets(live_server, new_page):
    found = {}
    for lang in ("kk-KZ", "ru-RU", "en-US"):
        page = new_page(locale=lang, java_script_enabled=False)
        for path in PAGES:
            page.goto(live_server.url + path)
            problems = page.evaluate(PHONE_CHECK, TARGETS)
            if problems:
                found[f"{path} ({lang})"] = problems
    assert not found, found
