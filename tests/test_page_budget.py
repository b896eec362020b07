"""Light pages for old phones on slow Wi-Fi: HTML + CSS of each main page under 30 KB, fetched over real HTTP.

The figure checked is the uncompressed size: the HTML body as waitress sends it (no gzip) plus every
stylesheet the page links. Nothing may be loaded from outside the box; lesson images load lazily.
"""

from __future__ import annotations

import re

from conftest import CONTENT

BUDGET = 30 * 1024
MAIN_PAGES = {"home": "/", "subject": "/subjects/math", "search results": "/search?q=su", "login": "/auth/login"}
STARTER_LESSONS = sorted(p.parent.name for p in CONTENT.glob("*/lesson.md"))


def page_weight(server, path: str) -> tuple[int, int, str]:
    status, _headers, body = server.get(path, headers={"Accept-Language": "kk"})
    assert status == 200, f"{path}: HTTP {status}"
    html = body.decode("utf-8")
    sheets = re.findall(r'<link rel="stylesheet" href="([^"]+)"', html)
    assert len(sheets) == 1, f"{path}: one small stylesheet expected, found {sheets}"
    return len(body), sum(len(server.get(href)[2]) for href in sheets), html


def test_main_pages_and_every_starter_lesson_fit_in_30_kb_of_html_and_css(live_server):
    pages = {**MAIN_PAGES, **{f"lesson {i}": f"/lessons/{i}" for i in STARTER_LESSONS}}
    over = []
    for name, path in pages.items():
        html_bytes, css_bytes, html = page_weight(live_server, path)
        print(f"{name:40} HTML {html_bytes:6} B + CSS {css_bytes:5} B = {html_bytes + css_bytes:6} B")
        if html_bytes + css_bytes >= BUDGET:
            over.append(f"{path}: {html_bytes + css_bytes} B")
        assert not re.search(r'(src|href)="(https?:)?//', re.sub(r"<a [^>]*>", "", html)), f"{path} loads from outside"
        for img in re.findall(r"<img [^>]*>", html):
            assert 'loading="lazy"' in img, f"{path}: {img}"
    assert not over, f"over the {BUDGET} B budget: {over}"
