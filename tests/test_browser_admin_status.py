"""The admin's status page (issue 23) in headless Chromium, on a phone and a desktop, in Kazakh and Russian: the
figures and charts are there without JavaScript, nothing scrolls sideways, and axe-core finds nothing serious."""

from __future__ import annotations

import urllib.parse

import pytest
from browser_support import axe_source, browser, new_page
from firsthour_support import PHONE, VIEW_IDS, VIEWS, assert_axe_clean, log_in, no_sideways_scroll, open_page
from teach_http import Client, add_user

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    """run.py over the starter library with an admin, after students read and searched."""
    from conftest import _wait_until_listening, free_port, server_environ, spawn_run_py, stop_process

    root = tmp_path_factory.mktemp("status-box")
    add_user(root / "data", "boss", admin=True)
    port = free_port()
    server = spawn_run_py(root / "data", port, root / "server.log", server_environ())
    try:
        assert _wait_until_listening(server, port, 60), server.output()
        student = Client(server.url)
        for lesson in ("math-circle-kk", "geo-balkhash-kk", "geo-balkhash-kk", "hist-yasawi-ru"):
            assert student.get(f"/lessons/{lesson}").status == 200
        for words in ("Балқаш", "qwzxv", "несуществующееслово", "Qazaqstan tarihy"):
            student.get("/search?" + urllib.parse.urlencode({"q": words}))
        yield server
    finally:
        stop_process(server.proc)


@pytest.mark.parametrize(("locale", "viewport"), VIEWS, ids=VIEW_IDS)
def test_the_status_page_reads_on_a_phone_and_a_desktop_and_is_axe_clean(box, new_page, axe_source, locale, viewport):
    page = open_page(new_page, locale, viewport)
    log_in(page, box.url, "boss")
    page.goto(box.url + "/admin/")
    status = page.locator("section.box-status")
    assert status.locator("svg.chart").count() == 2
    assert status.locator("svg.chart rect").count() == 2 * 30, "a bar for each of the last 30 days"
    fruitless = status.locator("table.searches").nth(1).inner_text()
    assert "qwzxv" in fruitless and "несуществующееслово" in fruitless and "балқаш" not in fruitless
    assert status.locator("ol.usage-top a").first.inner_text(), "the most read lesson, by its title"
    for heading in ("h-storage", "h-content", "h-sync", "h-usage", "h-health", "h-clock"):
        assert status.locator(f"#{heading}").is_visible()
    assert no_sideways_scroll(page)
    assert_axe_clean(page, axe_source)


def test_the_status_page_needs_no_javascript(box, new_page):
    page = new_page(java_script_enabled=False, viewport=PHONE, locale="ru-RU")
    log_in(page, box.url, "boss")
    page.goto(box.url + "/admin/")
    assert page.locator("section.box-status svg.chart").count() == 2
    assert "qwzxv" in page.locator("section.box-status").inner_text()
