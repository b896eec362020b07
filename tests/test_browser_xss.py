"""Every script-injection vector of ../shared/hostile/xss-vectors.txt, as a lesson's text and title, stays inert."""

from __future__ import annotations

import pytest
from browser_support import browser, new_page, wait_until
from conftest import lesson_spec, xss_vectors

pytestmark = pytest.mark.browser

# Anything in the lesson that could still run script: elements, handlers, and script-capable URLs.
LIVE_SCRIPT = """() => {
    const found = [];
    const article = document.querySelector('article.lesson');
    for (const el of [article, ...article.querySelectorAll('*')]) {
        const tag = el.tagName.toLowerCase();
        if (['script', 'iframe', 'object', 'embed', 'base', 'meta', 'style', 'form', 'svg', 'math'].includes(tag))
            found.push('<' + tag + '>');
        for (const attr of el.attributes) {
            const value = attr.value.replace(/[\\s\\u0000-\\u001f]/g, '').toLowerCase();
            if (attr.name.startsWith('on') || attr.name === 'style') found.push(tag + ' ' + attr.name);
            if (/^(javascript|data|vbscript):/.test(value)) found.push(tag + ' ' + attr.name + '=' + value);
        }
    }
    for (const a of document.querySelectorAll('a[href]'))
        if (!['http:', 'https:', 'mailto:'].includes(a.protocol)) found.push('link ' + a.href);
    return found;
}"""


def title_for(vector: str, i: int) -> str:
    return " ".join(vector.split())[:300] or f"Vector {i}"


def test_every_xss_vector_in_a_lesson_renders_inert(start_server, make_library, new_page):
    vectors = xss_vectors()
    assert len(vectors) > 20
    lessons = [
        lesson_spec(f"xss-{i:02d}", title=title_for(v, i), body=f"Vector {i}\n\n{v}\n\nEnd of {i}.\n")
        for i, v in enumerate(vectors)
    ]
    server = start_server(starter=str(make_library(lessons)))
    page = new_page(locale="en-US")
    problems = {}
    for i, vector in enumerate(vectors):
        page.goto(f"{server.url}/lessons/xss-{i:02d}", wait_until="load")
        page.wait_for_timeout(150)  # onerror, onload, ontoggle, autofocus: give them a moment to fire
        live = page.evaluate(LIVE_SCRIPT)
        if live or page.dialogs or page.get_attribute("html", "lang") != "en":
            problems[vector] = {"live": live, "dialogs": list(page.dialogs)}
        page.dialogs.clear()
        assert f"End of {i}." in page.inner_text("article"), f"vector {i} swallowed the rest of the page"
    assert not problems, problems

    page.goto(f"{server.url}/subjects/science")  # every hostile title in one list
    page.goto(f"{server.url}/lessons/xss-01")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.click("[data-offline-save] button")
    wait_until(
        page, "() => document.querySelector('[data-offline-save] [role=status]').textContent.startsWith('Saved')"
    )
    page.goto(f"{server.url}/saved")  # the saved list is built in the page from the cached copy
    page.wait_for_selector("ul.saved a")
    page.wait_for_timeout(150)
    assert not page.dialogs and not page.errors
