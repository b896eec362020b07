"""Issue 20 point 11: an admin adds a second admin from the web, sees everyone's lessons with their authors
under a true title, and the connectivity page says whether a hub is set up and how to sync or import a stick."""

from __future__ import annotations

import pytest
from browser_support import axe_source, browser, new_page
from firsthour_support import VIEW_IDS, VIEWS, assert_axe_clean, log_in, no_sideways_scroll, open_page
from teach_http import PASSWORD, create_lesson, start_site

pytestmark = pytest.mark.browser


@pytest.fixture
def site(start_server, tmp_path):
    return start_site(start_server, tmp_path / "site")


@pytest.mark.parametrize(("locale", "viewport"), VIEWS, ids=VIEW_IDS)
def test_an_admin_adds_an_admin_sees_all_lessons_by_author_and_how_the_hub_stands(
    site, new_page, axe_source, locale, viewport
):
    create_lesson(site.client("anna"), title="Anna's rivers")
    page = open_page(new_page, locale, viewport)
    log_in(page, site.url, "boss")
    page.goto(site.url + "/admin/")
    page.fill("#username", "vera")
    page.fill("#display_name", "Vera")
    page.fill("#password", PASSWORD)
    page.select_option("#role", "admin")
    with page.expect_navigation():
        page.click("main form[action$='/admin/users'] button[type=submit]")
    assert "vera" in page.inner_text("main [role=status]")
    assert_axe_clean(page, axe_source)

    second = open_page(new_page, locale, viewport)
    log_in(second, site.url, "vera")
    second.goto(site.url + "/teach/")
    title = second.inner_text("h1")
    assert title not in ("Менің сабақтарым", "Мои уроки", "My lessons"), title
    row = second.locator("table.teach-list tr", has_text="Anna's rivers")
    assert row.locator("td").nth(1).inner_text() == "Anna", "the author column"
    assert second.locator("header a[href='/admin/']").count() == 1, "the new account is an administrator"
    assert no_sideways_scroll(second)

    second.goto(site.url + "/admin/connectivity")
    hub = second.inner_text("section.hub-state")
    assert "contentserver hub add" in hub and "contentserver import" in hub
    assert second.locator("svg.chart").count() == 0, "no empty charts before the first sync"
    assert_axe_clean(second, axe_source)
