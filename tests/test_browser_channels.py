"""In real headless Chromium over waitress: a channel imported with `contentserver import` is browsed without
JavaScript in Kazakh, its exercise answered without JavaScript, its video carries both subtitle tracks, and its app
runs sandboxed, unable to read cookies; axe-core finds no serious violation on its pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, axe_source, axe_violations, browser, describe, new_page
from channel_support import school_channel
from test_books_browse import import_zim

pytestmark = pytest.mark.browser


def test_a_channel_is_browsed_without_javascript_and_its_app_is_sandboxed(start_server, tmp_path: Path):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps`")
    from playwright.sync_api import sync_playwright

    school_channel(tmp_path / "stick")
    data_dir = tmp_path / "site"
    import_zim(data_dir, tmp_path / "stick")  # the same `contentserver import` a ZIM goes through
    server = start_server(data_dir=data_dir, starter="")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            plain = browser.new_context(locale="kk-KZ", java_script_enabled=False)
            page = plain.new_page()
            page.goto(server.url + "/")
            page.click("text=Табиғат")
            page.click("text=Жаратылыстану")
            page.click("a:text-is('Су')")
            assert page.locator("nav.crumbs").inner_text().split(" › ") == ["Арналар", "Табиғат", "Жаратылыстану"]
            page.click("text=Судың айналымы")
            assert page.locator("video track").count() == 2
            assert "Лицензия" in page.content() and "CC BY-SA" in page.content()
            page.click("nav.crumbs >> text=Жаратылыстану")
            assert page.locator("h1").inner_text() == "Жаратылыстану"

            english = browser.new_context(locale="en-US", java_script_enabled=False)
            quiz = english.new_page()
            quiz.goto(server.url + "/channels/")
            quiz.click("text=Табиғат")
            quiz.click("text=Жаратылыстану")
            quiz.click("text=Санау")
            assert "1 question of this exercise is not available on this server" in quiz.content()
            quiz.check("#quiz-0-0 label:has-text('4') input")
            quiz.click("#quiz-0-0 button")
            assert quiz.locator("h1").inner_text() == "Right!"
            quiz.click("text=Back to the quiz")
            quiz.fill("#quiz-0-1 input[name=answer]", "8")
            quiz.click("#quiz-0-1 button")
            assert quiz.locator("h1").inner_text() == "Not quite."
            assert "Goal: 2 right of your last 3 answers." in quiz.content()

            scripted = browser.new_context(locale="ru-RU")
            scripted.add_cookies([{"name": "probe", "value": "secret", "url": server.url}])
            app = scripted.new_page()
            app.goto(server.url + "/")
            app.click("text=Табиғат")
            app.click("text=Жаратылыстану")
            app.click("text=Тәжірибе")
            assert "Открыть приложение на отдельной странице" in app.content()
            frame = app.frame_locator("iframe.app")
            frame.locator("#ran").wait_for()
            app.wait_for_function("1")  # let the frame's script run
            text = frame.locator("#ran").inner_text()
            assert text == "yes:blocked", text
            video = app.context.new_page()
            video.goto(server.url + "/channels/")
            video.click("text=Табиғат")
            video.click("text=Жаратылыстану")
            video.click("a:text-is('Су')")
            video.click("text=Судың айналымы")
            tracks = video.evaluate("() => [...document.querySelector('video').textTracks].map(t => t.language)")
            assert sorted(tracks) == ["kk", "ru"]
        finally:
            browser.close()


def test_channel_pages_have_no_serious_axe_violations(start_server, tmp_path: Path, new_page, axe_source):
    builder = school_channel(tmp_path / "stick")
    data_dir = tmp_path / "site"
    import_zim(data_dir, tmp_path / "stick")
    server = start_server(data_dir=data_dir, starter="")
    ids = {node["title"]: node["id"] for node in builder.nodes}
    base = f"/channels/{builder.channel_id}/"
    pages = {
        "channels": "/channels/",
        "root topic": base,
        "topic": base + ids["Жаратылыстану"],
        "video": base + ids["Судың айналымы"],
        "document": base + ids["Су айналымы (PDF)"],
        "app": base + ids["Тәжірибе"],
        "exercise": base + ids["Санау"],
        "search": "/search?q=айналым",
    }
    found = {}
    for locale in ("kk-KZ", "ru-RU"):
        page = new_page(locale=locale)
        for name, path in pages.items():
            page.goto(server.url + path)
            violations = axe_violations(page, axe_source)
            if violations:
                found[f"{name} ({locale})"] = violations
    assert not found, describe(found)
