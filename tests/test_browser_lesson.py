"""What a student sees: a starter lesson in Debian's headless Chromium on a 360x640 phone screen."""

from __future__ import annotations

import re
import tomllib

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS
from conftest import CONTENT


def plain(markdown: str) -> str:
    """The visible text of a line of inline Markdown (emphasis and code marks dropped)."""
    return " ".join(re.sub(r"[*_`]", "", markdown).split())


def lesson_with_table_list_and_video() -> dict:
    for folder in sorted(p for p in CONTENT.iterdir() if p.is_dir()):
        if not list(folder.glob("*.mp4")):
            continue
        _, front, body = (folder / "lesson.md").read_text("utf-8").split("+++", 2)
        lines = body.splitlines()
        rows = [line for line in lines if line.startswith("|") and not re.fullmatch(r"[|\s:-]+", line)]
        items = [line[2:] for line in lines if line.startswith("- ")]
        if len(rows) >= 2 and items:
            return {
                "id": folder.name,
                "title": tomllib.loads(front)["title"],
                "cell": plain(rows[1].strip("|").split("|")[0]),
                "item": plain(items[0]),
            }
    pytest.fail("content/ needs a lesson with a video, a table and a list")


@pytest.mark.browser
def test_student_sees_title_table_list_and_video_on_a_phone(live_server, tmp_path):
    from playwright.sync_api import sync_playwright

    lesson = lesson_with_table_list_and_video()
    shot = tmp_path / f"{lesson['id']}-360x640.png"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 360, "height": 640}, locale="kk-KZ")
            requests = []
            page.on("request", lambda request: requests.append(request.url))
            page.goto(f"{live_server.url}/lessons/{lesson['id']}")
            assert page.locator("h1").first.inner_text() == lesson["title"]
            assert page.title().startswith(lesson["title"])
            cell = page.locator("td", has_text=lesson["cell"]).first
            assert cell.is_visible()
            item = page.locator("li", has_text=lesson["item"][:40]).first
            assert item.is_visible()
            video = page.locator("video")
            assert video.count() >= 1 and video.first.locator("track").count() >= 1
            video.first.scroll_into_view_if_needed()
            box = video.first.bounding_box()
            assert box and 0 < box["width"] <= 360
            assert page.evaluate("document.documentElement.scrollWidth") <= 360, "no sideways scrolling"
            page.screenshot(path=str(shot), full_page=True)
        finally:
            browser.close()
    print(f"screenshot: {shot}")
    assert shot.stat().st_size > 1000
    assert all(url.startswith(live_server.url) for url in requests), "nothing is loaded from another host"
