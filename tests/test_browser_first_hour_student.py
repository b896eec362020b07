"""Issue 20, students: downloads keep their names, tables keep words whole (phone and desktop, kk and ru)."""

from __future__ import annotations

import pytest
from browser_support import axe_source, browser, new_page, wait_until
from conftest import CONTENT, lesson_spec, pdf_bytes, png_bytes, write_built_library
from firsthour_support import VIEW_IDS, VIEWS, assert_axe_clean, no_sideways_scroll, open_page, serving

pytestmark = pytest.mark.browser

TABLE = """# Көлдер

| Көл | Қала | Тереңдігі, м | Ауданы, км² | Ұзындығы, км | Суының тұздылығы | Бойлығы | Ескерту |
|-----|------|--------------|-------------|--------------|------------------|---------|---------|
| Балқаш | Балқаш қаласы | 26 | 16 400 | 614 | Батысы тұщы, шығысы ащы | Ұзын | Жағалауы құмды |
| Байкал | Иркутск | 1 642 | 31 722 | 636 | Тұщы | Ұзын | Әлемдегі ең терең көл |
| Мариана шұңғымасы | — | 10 994 | 7,439 | 2 550 | Мұхит суы | Бойлығы ұзын | Тереңдігі 10 994 м |

Кестеден кейінгі мәтін.
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One server for the module: a lesson with a worksheet, a picture and a wide table."""
    root = tmp_path_factory.mktemp("first-hour-student")
    lesson = lesson_spec(
        "lakes",
        title="Көлдер",
        lang="kk",
        script="Cyrl",
        body=TABLE,
        attachments={"worksheet.pdf": pdf_bytes("lakes"), "map.png": png_bytes(40, 30, (0, 90, 200))},
    )
    with serving(root, write_built_library(root / "library", [lesson])) as live:
        yield live


@pytest.mark.parametrize(("locale", "viewport"), VIEWS, ids=VIEW_IDS)
def test_a_download_is_saved_under_the_files_own_name(server, new_page, locale, viewport):
    page = open_page(new_page, locale, viewport, accept_downloads=True)
    page.goto(server.url + "/lessons/lakes")
    link = page.locator("figure.pdf figcaption a[download]")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "worksheet.pdf"
    status, headers, _ = server.get(page.get_attribute("figure.pdf figcaption a[download]", "href"))
    assert status == 200 and headers["Content-Disposition"] == 'inline; filename="worksheet.pdf"'


BROKEN_WORDS = """() => {
    const broken = [];
    for (const cell of document.querySelectorAll('article.lesson td, article.lesson th')) {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (const word of node.data.matchAll(/\\S+/g)) {
                const range = document.createRange();
                range.setStart(node, word.index);
                range.setEnd(node, word.index + word[0].length);
                const lines = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                if (lines.size > 1) broken.push(word[0]);
            }
        }
    }
    return broken;
}"""


@pytest.mark.parametrize(("locale", "viewport"), VIEWS, ids=VIEW_IDS)
def test_a_wide_table_scrolls_in_its_own_box_and_keeps_words_whole(server, new_page, axe_source, locale, viewport):
    page = open_page(new_page, locale, viewport)
    page.goto(server.url + "/lessons/lakes")
    assert page.evaluate(BROKEN_WORDS) == []
    assert no_sideways_scroll(page), "the page itself does not scroll sideways"
    box = page.locator("article.lesson .table-scroll")
    assert box.count() == 1
    if viewport["width"] < 600:
        assert box.evaluate("b => b.scrollWidth > b.clientWidth"), "on a phone the table scrolls in its box"
        box.focus()
        page.keyboard.press("ArrowRight")
        wait_until(page, "document.querySelector('.table-scroll').scrollLeft > 0")
    assert page.locator("p", has_text="Кестеден кейінгі мәтін.").is_visible()
    assert_axe_clean(page, axe_source)


@pytest.fixture(scope="module")
def starter(tmp_path_factory):
    """The real starter library: its day-and-night lesson links a 320×240 clip from inside its text."""
    root = tmp_path_factory.mktemp("first-hour-starter")
    with serving(root, CONTENT) as live:
        yield live


@pytest.mark.parametrize(("locale", "viewport"), VIEWS, ids=VIEW_IDS)
def test_a_video_plays_where_the_text_refers_to_it_at_its_own_size(starter, new_page, axe_source, locale, viewport):
    page = open_page(new_page, locale, viewport)
    page.goto(starter.url + "/lessons/sci-day-night-kk")
    video = page.locator("article.lesson figure.in-text video")
    assert video.count() == 1, "the player stands where the text links the clip"
    assert video.locator("track").count() >= 1, "with its subtitles"
    assert page.locator("section.attachments video").count() == 0, "not again under Files"
    assert page.locator("article.lesson a[href$='.mp4'], article.lesson a[href^='/objects/']").count() == 0
    video.scroll_into_view_if_needed()
    # with a poster the page preloads nothing (video/renditions.py): the student presses play
    video.evaluate("v => { v.muted = true; v.play().catch(() => {}); }")
    page.wait_for_function("() => document.querySelector('article video').readyState >= 1", timeout=10_000)
    box = video.bounding_box()
    assert box and box["width"] <= 320 and box["width"] == min(320, page.evaluate("innerWidth") - 32), box
    assert_axe_clean(page, axe_source)
    assert no_sideways_scroll(page)
