"""Issue 20 point 9: no English in a kk or ru page (404s, the password rule), no page for an unknown subject,
"did you mean" only when nothing was found, and snippets mark whole words."""

from __future__ import annotations

import re
import urllib.parse

import pytest
from browser_support import axe_source, browser, new_page
from conftest import lesson_spec, write_built_library
from firsthour_support import VIEW_IDS, VIEWS, assert_axe_clean, log_in, open_page, serving
from teach_http import add_user

pytestmark = pytest.mark.browser
LATIN_WORD = re.compile(r"[A-Za-z]{3,}")


def kk(lesson_id: str, title: str, body: str, subject: str = "geography") -> dict:
    return lesson_spec(lesson_id, title=title, lang="kk", script="Cyrl", subject=subject, body=f"# {title}\n\n{body}\n")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("first-hour-language")
    lessons = [
        kk("lakes", "Балқаш", "Балқаш көлі үлкен. Көлдің жағасына көлік келеді. Көлікпен барамыз."),
        kk("peaks", "Алатау", "Алатау таулары биік. Таулардың басында қар жатады."),
        kk("hills", "Қаратау", "Қаратау таулары аласа. Таулардың етегінде бақ бар."),
    ]
    add_user(root / "data", "boss", admin=True)
    with serving(root, write_built_library(root / "library", lessons)) as live:
        yield live


def main_text(page) -> str:
    return page.inner_text("main")


@pytest.mark.parametrize(("locale", "viewport"), VIEWS, ids=VIEW_IDS)
def test_not_found_pages_speak_the_pages_language(server, new_page, axe_source, locale, viewport):
    page = open_page(new_page, locale, viewport)
    for path in ("/no/such/page", "/subjects/xyz", "/lessons/nothing-here"):
        response = page.goto(server.url + path)
        assert response.status == 404, path
        assert LATIN_WORD.findall(main_text(page)) == [], (path, main_text(page))
        assert page.get_attribute("html", "lang") == locale[:2]
    assert_axe_clean(page, axe_source)
    log_in(page, server.url, "boss")
    response = page.goto(server.url + "/admin/review/")  # a school's server: no review of pushes here
    assert response.status == 404 and LATIN_WORD.findall(main_text(page)) == [], main_text(page)


@pytest.mark.parametrize(("locale", "viewport"), VIEWS, ids=VIEW_IDS)
def test_a_short_password_is_refused_by_the_server_in_the_pages_language(server, new_page, locale, viewport):
    page = open_page(new_page, locale, viewport)
    log_in(page, server.url, "boss")
    page.goto(server.url + "/admin/")
    assert LATIN_WORD.findall(page.inner_text("#password-hint")) == [], "the rule is stated beside the field"
    page.fill("#username", f"short{locale[:2]}")
    page.fill("#password", "abc12")
    with page.expect_navigation(timeout=5000):  # no browser pop-up stops the form
        page.click("main form[action$='/admin/users'] button[type=submit]")
    message = page.inner_text("main [role=status]")
    assert "8" in message and LATIN_WORD.findall(message) == [], message
    assert page.locator("table.users td", has_text=f"short{locale[:2]}").count() == 0


def search(page, server, words: str) -> None:
    page.goto(server.url + "/search?" + urllib.parse.urlencode({"q": words}))


@pytest.mark.parametrize(("locale", "viewport"), VIEWS, ids=VIEW_IDS)
def test_snippets_mark_whole_words(server, new_page, locale, viewport):
    page = open_page(new_page, locale, viewport)
    search(page, server, "көлі")
    marked = page.locator(".snippet mark").all_inner_texts()
    # forms of the same word (көлі, көлдің: көл "lake") are marked; a longer word that only begins the same
    # way (көлік "vehicle", көлікпен) is not
    assert marked and {word.lower() for word in marked} <= {"көлі", "көлдің"} and "көлі" in marked, marked


@pytest.mark.parametrize(("locale", "viewport"), VIEWS, ids=VIEW_IDS)
def test_did_you_mean_only_when_nothing_was_found(server, new_page, locale, viewport):
    page = open_page(new_page, locale, viewport)
    search(page, server, "көлі таулр")
    assert page.locator("ol.results li").count() >= 1
    assert page.locator(".did-you-mean").count() == 0, "results were found: no half-corrected query"
    search(page, server, "көлх ")
    assert page.locator("ol.results li").count() == 0
    assert page.inner_text(".did-you-mean").startswith("көл"), "nothing found: a correction is offered"
