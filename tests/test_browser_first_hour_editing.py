"""Issue 20 point 3: upload refusals said in the lesson's own page, delete asks first, no primary "share" button
without a hub, the preview beside (desktop) or above (phone) the text, and "Versions" is not the History subject."""

from __future__ import annotations

import re

import pytest
from browser_support import axe_source, browser, new_page
from conftest import png_bytes
from firsthour_support import VIEW_IDS, VIEWS, assert_axe_clean, log_in, no_sideways_scroll, open_page
from teach_http import create_lesson, start_site

pytestmark = pytest.mark.browser
IN_PAGE_LANGUAGE = re.compile(r"^[А-Яа-яЁёӘәҒғҚқҢңӨөҰұҮүҺһІі]+ ")  # file types (MP4, PNG) stay Latin


@pytest.fixture
def site(start_server, tmp_path):
    return start_site(start_server, tmp_path / "site", env={"CONTENTSERVER_UPLOAD_MAX_IMAGE_BYTES": "4000"})


def files(tmp_path):
    big = tmp_path / "big.png"
    big.write_bytes(png_bytes(400, 300, (1, 2, 3)) + bytes(9000))
    notes = tmp_path / "notes.txt"
    notes.write_text("just some notes\n")
    return big, notes


@pytest.mark.parametrize(("locale", "viewport"), VIEWS, ids=VIEW_IDS)
def test_upload_refusals_are_said_beside_the_file_field_while_logged_in(site, new_page, tmp_path, locale, viewport):
    big, notes = files(tmp_path)
    lesson_id = create_lesson(site.client("anna"), title="Shapes")
    page = open_page(new_page, locale, viewport, java_script_enabled=False)
    log_in(page, site.url, "anna")
    for path, status in ((big, 413), (notes, 422)):
        page.goto(f"{site.url}/teach/lessons/{lesson_id}")
        page.set_input_files("#file", str(path))
        with page.expect_navigation() as navigation:
            page.click("#files form[enctype] button[type=submit]")
        assert navigation.value.status == status
        message = page.inner_text("#file-error")
        assert IN_PAGE_LANGUAGE.match(message), message
        assert page.locator("header button.logout").count() == 1, "still logged in"
        assert page.locator("#title").input_value() == "Shapes", "the lesson's own page"

    page = open_page(new_page, locale, viewport)  # with JavaScript: said before anything is sent
    log_in(page, site.url, "anna")
    page.goto(f"{site.url}/teach/lessons/{lesson_id}")
    sent = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST" else None)
    page.set_input_files("#file", str(big))
    assert page.inner_text("#file-error").startswith("big.png: ")
    assert page.input_value("#file") == "" and sent == []


@pytest.mark.parametrize(("locale", "viewport"), VIEWS, ids=VIEW_IDS)
def test_delete_asks_first_share_is_not_primary_without_a_hub_and_the_preview_is_in_sight(
    site, new_page, axe_source, locale, viewport
):
    lesson_id = create_lesson(site.client("anna"), title="Shapes")
    page = open_page(new_page, locale, viewport)
    log_in(page, site.url, "anna")
    page.goto(f"{site.url}/teach/lessons/{lesson_id}")
    share = page.locator("#share button[type=submit]")
    assert "secondary" in (share.get_attribute("class") or ""), "no hub: sharing is not the main action"
    versions = page.inner_text(f"a[href$='/teach/lessons/{lesson_id}/history']")
    assert versions not in ("Тарих", "История"), "not the History subject's word"

    with page.expect_navigation():
        page.click("button[value=preview]")
    preview, form = page.locator("section.preview").bounding_box(), page.locator("form.lesson-form").bounding_box()
    assert preview and form
    if viewport["width"] >= 1024:
        assert preview["x"] > form["x"] + form["width"] - 1 and preview["y"] < viewport["height"], "beside"
    else:
        assert preview["y"] < form["y"] and preview["y"] < viewport["height"], "above the form, in sight"
    assert_axe_clean(page, axe_source)
    assert no_sideways_scroll(page)

    with page.expect_navigation():
        page.click("#delete a.danger")
    assert_axe_clean(page, axe_source)
    with page.expect_navigation():
        page.click("main a.secondary")  # no: back to the lesson, nothing deleted
    assert site.server.get(f"/lessons/{lesson_id}")[0] == 200
    page.click("#delete a.danger")
    with page.expect_navigation():
        page.click("main button.danger")
    assert site.server.get(f"/lessons/{lesson_id}")[0] == 404
