"""Issue 20, teachers: restoring a version keeps status and files, asks first, shows the old text and the change."""

from __future__ import annotations

import pytest
from browser_support import axe_source, browser, new_page, wait_until
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


@pytest.mark.parametrize(("locale", "viewport"), VIEWS, ids=VIEW_IDS)
def test_markdown_names_files_as_uploaded_and_the_preview_says_what_is_missing(
    site, new_page, axe_source, tmp_path, locale, viewport
):
    picture = tmp_path / "Қарлығаш ұясы.png"
    picture.write_bytes(png_bytes(48, 36, (200, 120, 0)))
    body = "# Қарлығаш\n\n![Ұя](Қарлығаш ұясы.png)\n\n[Жұмыс парағы](Жұмыс парағы.pdf)\n"
    page = open_page(new_page, locale, viewport, permissions=["clipboard-read", "clipboard-write"])
    log_in(page, site.url, "anna")
    page.goto(site.url + "/teach/new")
    assert "200" in page.inner_text("#files-limits"), "the size limits are stated beside the file field"
    page.fill("#title", "Қарлығаш")
    page.fill("#body", body)
    page.set_input_files("#files", str(picture))  # attached before the first save
    with page.expect_navigation():
        page.click("button[value=preview]")
    assert page.locator(".preview .warning li").all_inner_texts() == ["Қарлығаш ұясы.png", "Жұмыс парағы.pdf"]
    page.set_input_files("#files", str(picture))  # a preview does not keep chosen files
    page.check("input[value=published]")
    with page.expect_navigation():
        page.click("button[value=save]")
    assert page.locator("#files ul.files a", has_text="Қарлығаш ұясы.png").count() == 1
    reference = page.input_value("#files .markdown-ref")
    assert reference == "![Қарлығаш ұясы](<Қарлығаш ұясы.png>)"
    copy = page.locator("#files button[data-copy]")
    copy.click()
    wait_until(page, "b => b.textContent === b.dataset.copied", copy.element_handle())
    assert page.evaluate("navigator.clipboard.readText()") == reference
    with page.expect_navigation():
        page.click("button[value=preview]")
    assert page.locator(".preview .warning li").all_inner_texts() == ["Жұмыс парағы.pdf"]
    page.locator(".preview article img").scroll_into_view_if_needed()
    wait_until(page, "document.querySelector('.preview article img').complete")
    width = page.eval_on_selector(".preview article img", "img => img.naturalWidth")
    assert width == 48, "the teacher's own Markdown shows the picture"
    assert_axe_clean(page, axe_source)
    assert no_sideways_scroll(page)

    lesson_url = page.get_attribute("a[href^='/lessons/']", "href")
    student = open_page(new_page, locale, viewport)
    student.goto(site.url + lesson_url)
    image = student.locator("article.lesson img[alt='Ұя']")
    image.scroll_into_view_if_needed()
    wait_until(student, "document.querySelector('article.lesson img').complete")
    assert image.evaluate("img => img.naturalWidth") == 48
    status, headers, _ = site.server.get(image.get_attribute("src"))
    assert status == 200 and "filename*=UTF-8''%D2%9A" in headers["Content-Disposition"], "saved as uploaded"
