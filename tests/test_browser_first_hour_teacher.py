"""Issue 20, teachers: restoring a version keeps status and files, asks first, shows the old text and the change."""

from __future__ import annotations

import pytest
from browser_support import axe_source, browser, new_page
from conftest import png_bytes
from firsthour_support import VIEW_IDS, VIEWS, assert_axe_clean, log_in, no_sideways_scroll, open_page
from teach_http import LESSON, create_lesson, in_search, start_site

pytestmark = pytest.mark.browser


@pytest.fixture
def site(start_server, tmp_path):
    return start_site(start_server, tmp_path / "site")


@pytest.mark.parametrize(("locale", "viewport"), VIEWS, ids=VIEW_IDS)
def test_restoring_an_old_version_keeps_it_published_with_its_files(site, new_page, axe_source, locale, viewport):
    anna = site.client("anna")
    first = "# Rivers\n\nThe Ili flows into Balkhash.\n"
    lesson_id = create_lesson(anna, title="Rivers", body=first)
    anna.get(f"/teach/lessons/{lesson_id}")
    anna.post(f"/teach/lessons/{lesson_id}/files", files={"file": ("river.png", png_bytes(30, 20, (0, 90, 200)))})
    anna.get(f"/teach/lessons/{lesson_id}")
    second = {**LESSON, "title": "Rivers", "body": "# Rivers\n\nThe Irtysh flows north.\n\n![river](river.png)\n"}
    assert anna.post(f"/teach/lessons/{lesson_id}", second).status == 303

    page = open_page(new_page, locale, viewport)
    log_in(page, site.url, "anna")
    page.goto(f"{site.url}/teach/lessons/{lesson_id}/history")
    with page.expect_navigation():
        page.click(f"a[href$='/teach/lessons/{lesson_id}/history/1']")
    assert page.locator("pre.diff del", has_text="Irtysh").count() == 1, "the line restoring removes"
    assert page.locator("pre.diff ins", has_text="Ili").count() == 1, "the line restoring brings back"
    assert page.locator(".preview article", has_text="The Ili flows into Balkhash.").is_visible()
    assert page.is_checked("input[name=keep_status]") and page.is_checked("input[name=keep_files]")
    assert_axe_clean(page, axe_source)
    assert no_sideways_scroll(page)
    assert in_search(site, "Irtysh", lesson_id), "viewing an old version changes nothing"

    with page.expect_navigation():
        page.click("section.restore button[type=submit]")
    notice = page.inner_text("[role=status]")
    assert "1" in notice and len(notice) > 40 and "version" not in notice.lower(), notice
    assert page.locator("a[href$='/lessons/" + lesson_id + "']").count() >= 1, "still published"
    assert page.locator("#files a", has_text="river.png").count() == 1, "the file is still attached"
    assert site.server.get(f"/lessons/{lesson_id}")[0] == 200
    assert in_search(site, "Balkhash", lesson_id) and not in_search(site, "Irtysh", lesson_id)
    assert not page.errors
