"""In a real browser: the UI language follows the browser, switches with plain links, and stays switched."""

from __future__ import annotations

import pytest
from browser_support import browser, new_page

pytestmark = pytest.mark.browser


def ui_state(page) -> tuple[str, str]:
    return page.get_attribute("html", "lang"), page.inner_text("a.brand")


def test_language_switch_kk_then_ru_then_en_persists_across_pages_and_tabs(live_server, new_page):
    page = new_page(locale="kk-KZ", java_script_enabled=False)
    page.goto(live_server.url + "/")
    assert ui_state(page) == ("kk", "Мектеп кітапханасы")

    page.click("nav.ui-lang a[hreflang=ru]")
    assert ui_state(page) == ("ru", "Школьная библиотека")
    page.click("ul.tiles a[href='/subjects/history']")
    assert ui_state(page)[0] == "ru" and page.inner_text("h1") == "История"
    page.click("ul.lessons a >> nth=0")
    assert ui_state(page)[0] == "ru" and page.get_attribute("article.lesson", "lang") in ("kk", "ru", "en", "kk-Latn")

    lesson_url = page.url
    page.click("nav.ui-lang a[hreflang=en]")
    assert page.url == lesson_url, "the switch goes back to the page it was used on"
    assert ui_state(page) == ("en", "School library")

    again = page.context.new_page()
    again.goto(live_server.url + "/subjects/math")
    assert ui_state(again) == ("en", "School library") and again.inner_text("h1") == "Mathematics"
    assert again.get_attribute("nav.ui-lang a[aria-current]", "hreflang") == "en"


def test_kazakh_latin_is_a_ui_choice(live_server, new_page):
    page = new_page(locale="ru-RU")
    page.goto(live_server.url + "/")
    page.click("nav.ui-lang a[hreflang=kk-Latn]")
    assert ui_state(page) == ("kk-Latn", "Mektep kıtaphanasy")
    assert not page.dialogs and not page.errors
