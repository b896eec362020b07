"""A student in a real browser: browse to a lesson, seek in its video (Range), open its PDF, search in plain Latin."""

from __future__ import annotations

import pytest
from browser_support import browser, new_page

pytestmark = pytest.mark.browser

SEEK = """() => new Promise((resolve, reject) => {
    const video = document.querySelector('video');
    video.addEventListener('error', () => reject('video error ' + (video.error && video.error.code)));
    setTimeout(() => reject('no seek within 20 s, readyState ' + video.readyState), 20000);
    const seek = () => {
        video.addEventListener('seeked', () => resolve([video.currentTime, video.duration]), {once: true});
        video.currentTime = video.duration / 2;
    };
    if (video.readyState >= 1) return seek();
    video.addEventListener('loadedmetadata', seek, {once: true});
    // with a poster the page preloads nothing (a class opening a lesson fetches no video): play, as a student does
    video.muted = true;
    video.play().catch(() => {});
})"""


def test_browse_to_a_lesson_seek_its_video_and_open_its_pdf(live_server, new_page):
    page = new_page(locale="kk-KZ")
    ranges = []
    page.on(
        "response",
        lambda r: (
            ranges.append((r.status, r.request.headers.get("range")))
            if "/objects/" in r.url and r.request.resource_type == "media"
            else None
        ),
    )
    page.goto(live_server.url + "/")
    page.click("ul.tiles a[href='/subjects/science']")
    page.click("ul.lessons a[href='/lessons/sci-day-night-kk']")
    assert page.get_attribute("article.lesson", "lang") == "kk"
    position, duration = page.evaluate(SEEK)
    assert duration > 0 and abs(position - duration / 2) < 1
    assert any(status == 206 and header for status, header in ranges), ranges
    assert page.evaluate("document.querySelector('video track').srclang") in ("kk", "ru")

    page.goto(live_server.url + "/lessons/math-area-ru")
    pdf_link = page.locator("figcaption a", has_text="PDF").first
    response = page.request.get(live_server.url + pdf_link.get_attribute("href"))
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
    assert not page.dialogs and not page.errors


@pytest.mark.parametrize("query", ["balkash koli", "Balkhash", "balkas"])
def test_search_with_a_kazakh_word_typed_in_plain_latin_letters(live_server, new_page, query):
    page = new_page(locale="kk-KZ", java_script_enabled=False)
    page.goto(live_server.url + "/")
    page.fill("header form[role=search] input[name=q]", query)  # the search box on every page
    page.click("header form[role=search] button[type=submit]")
    assert page.locator("ol.results a[href='/lessons/geo-balkhash-kk']").count() == 1, page.inner_text("main")
