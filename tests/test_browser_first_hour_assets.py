"""Issue 20 point 12: CSS and scripts named by content and cached as immutable (a second page loads none of
them again), and every text answer compressed: a lesson's first visit, search pages, the assets."""

from __future__ import annotations

import pytest
from browser_support import browser, new_page
from conftest import CONTENT
from firsthour_support import VIEW_IDS, VIEWS, open_page, serving

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("first-hour-assets")
    with serving(root, CONTENT) as live:
        yield live


def answers(page) -> dict[str, object]:
    seen: dict[str, object] = {}
    page.on("response", lambda response: seen.__setitem__(response.url, response))
    return seen


@pytest.mark.parametrize(("locale", "viewport"), VIEWS, ids=VIEW_IDS)
def test_assets_are_versioned_immutable_and_every_text_answer_is_compressed(server, new_page, locale, viewport):
    page = open_page(new_page, locale, viewport, service_workers="block")
    seen = answers(page)
    first = page.goto(server.url + "/lessons/sci-day-night-kk")  # the first visit of this lesson
    assert first.all_headers().get("content-encoding") == "gzip"
    assets = [url for url in seen if "/static/" in url]
    assert {url.split("?")[0].rsplit("/", 1)[1] for url in assets} >= {"style.css", "offline.js", "suggest.js"}
    for url in assets:
        headers = seen[url].all_headers()
        assert "?v=" in url and "immutable" in headers["cache-control"], (url, headers)
        assert headers.get("content-encoding") == "gzip", url

    page.goto(server.url + "/search?q=күн")
    assert seen[page.url].all_headers().get("content-encoding") == "gzip", "search pages too"
    page.goto(server.url + "/grades/5")
    transferred = page.evaluate(
        "performance.getEntriesByType('resource').filter(e => e.name.includes('/static/')).map(e => e.transferSize)"
    )
    assert transferred and all(size == 0 for size in transferred), "the assets came from the browser's cache"
