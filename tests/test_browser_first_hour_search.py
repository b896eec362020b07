"""Issue 20 point 6: a search box on every page, results before the (folded) filters, titles suggested while
typing (the page works without JavaScript), and a subject's or grade's name finds its lessons."""

from __future__ import annotations

import urllib.parse

import pytest
from browser_support import axe_source, browser, new_page
from conftest import lesson_spec, write_built_library
from firsthour_support import VIEW_IDS, VIEWS, assert_axe_clean, no_sideways_scroll, open_page, serving

pytestmark = pytest.mark.browser


def lesson(lesson_id: str, title: str, body: str, subject: str, grade: int, lang: str = "kk") -> dict:
    return lesson_spec(
        lesson_id, title=title, lang=lang, script="Cyrl", subject=subject, grade=grade, body=f"# {title}\n\n{body}\n"
    )


LESSONS = [
    lesson("fractions", "Жай бөлшектер", "Бөлшектерді қосу және азайту.", "math", 5),
    lesson("equations", "Теңдеулер", "Бір белгісізі бар теңдеу. Математика сабағы.", "math", 7),
    lesson("angles", "Углы и треугольники", "Сумма углов треугольника.", "math", 7, lang="ru"),
    lesson("rivers", "Өзендер", "Ертіс пен Іле өзендері.", "geography", 5),
    lesson("plants", "Өсімдіктер", "Жапырақ күн сәулесін пайдаланады.", "science", 6),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("first-hour-search")
    with serving(root, write_built_library(root / "library", LESSONS)) as live:
        yield live


def found_ids(page) -> set[str]:
    return {
        href.rsplit("/", 1)[1]
        for href in page.locator("ol.results > li > a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    }


@pytest.mark.parametrize(("locale", "viewport"), VIEWS, ids=VIEW_IDS)
def test_every_page_has_a_search_box_and_results_come_before_the_filters(
    server, new_page, axe_source, locale, viewport
):
    page = open_page(new_page, locale, viewport)
    for path in ("/", "/lessons/rivers", "/subjects/math", "/grades/5", "/saved"):
        page.goto(server.url + path)
        assert page.locator("header form[role=search] input[type=search]").is_visible(), path
    assert no_sideways_scroll(page)
    page.goto(server.url + "/")
    page.fill("header input[type=search]", "математика")
    with page.expect_navigation():
        page.press("header input[type=search]", "Enter")
    assert found_ids(page) == {"fractions", "equations", "angles"}, "the subject's name finds all its lessons"
    first = page.locator("ol.results > li").first.bounding_box()
    assert first and first["y"] + first["height"] <= viewport["height"], "the first result shows without scrolling"
    assert page.locator("details.filters").get_attribute("open") is None, "filters are folded"
    assert page.locator("header form[role=search]").count() == 0, "one search form on the search page"
    assert_axe_clean(page, axe_source)

    page.click("details.filters summary")
    page.select_option("#f-grade", "7")
    with page.expect_navigation():
        page.click("details.filters button[type=submit]")
    assert found_ids(page) == {"equations", "angles"}
    assert page.locator("details.filters").get_attribute("open") is not None, "chosen filters stay in sight"

    grade_word = "5 сынып" if locale.startswith("kk") else "5 класс"
    page.goto(server.url + "/search?" + urllib.parse.urlencode({"q": grade_word}))
    assert {"fractions", "rivers"} <= found_ids(page), "a grade's name finds its lessons"


@pytest.mark.parametrize(("locale", "viewport"), VIEWS, ids=VIEW_IDS)
def test_titles_are_suggested_while_typing_and_lead_to_the_lesson(server, new_page, axe_source, locale, viewport):
    page = open_page(new_page, locale, viewport)
    page.goto(server.url + "/lessons/plants")
    page.locator("header input[type=search]").press_sequentially("теңд", delay=30)
    suggestion = page.locator("header .suggestions a", has_text="Теңдеулер")
    suggestion.wait_for(state="visible", timeout=5000)
    assert_axe_clean(page, axe_source)
    page.press("header input[type=search]", "ArrowDown")
    assert page.evaluate("document.activeElement.textContent") == "Теңдеулер"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/lessons/equations")
    assert not page.errors


@pytest.mark.parametrize(("locale", "viewport"), VIEWS, ids=VIEW_IDS)
def test_without_javascript_the_search_box_still_searches(server, new_page, locale, viewport):
    page = open_page(new_page, locale, viewport, java_script_enabled=False)
    page.goto(server.url + "/grades/6")
    page.fill("header input[type=search]", "өзен")
    with page.expect_navigation():
        page.press("header input[type=search]", "Enter")
    assert found_ids(page) == {"rivers"}
