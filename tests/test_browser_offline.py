"""Take a lesson home: saved for offline, it opens with no connection and follows its changes when back online."""

from __future__ import annotations

import re

import pytest
from browser_support import browser, new_page, wait_until
from conftest import import_into, lesson_spec, pdf_bytes, png_bytes
from test_browser_practice import pick_and_check
from test_practice_http import QUIZ_BODY

pytestmark = pytest.mark.browser

LESSON = "/lessons/water"
ALLOWED_IN_CACHE = re.compile(
    r"^/(lessons/[^/]+|objects/[0-9a-f]{64}|saved|static/(style\.css|offline\.js|practice\.js))$"
)


def water(version: int) -> dict:
    return lesson_spec(
        "water",
        title="Water in three states",
        body=(f"# Water in three states\n\n![Ice, water and steam](states.png)\n\nVersion {version} of the text.\n"),
        attachments={"states.png": png_bytes(40 + version, 30, (20, 90, 200)), "sheet.pdf": pdf_bytes(f"v{version}")},
    )


def cached_paths(page) -> list[str]:
    return page.evaluate("""async () => {
        const paths = [];
        for (const name of await caches.keys()) {
            for (const request of await (await caches.open(name)).keys()) paths.push(new URL(request.url).pathname);
        }
        return paths;
    }""")


def eventually(page, script: str, timeout: float = 15.0) -> None:
    """Poll an async page function until it returns true (wait_for_function does not await promises)."""
    for _ in range(int(timeout * 10)):
        if page.evaluate(script):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"still false after {timeout}s: {script}")


def image_width(page) -> int:
    image = "() => { const i = document.querySelector('article img'); return i && i.naturalWidth; }"
    wait_until(page, image, timeout=10)
    return page.evaluate("document.querySelector('article img').naturalWidth")


def test_a_saved_lesson_opens_offline_and_is_updated_when_back_online(start_server, make_library, new_page):
    server = start_server(
        starter=str(make_library([water(1), "other"], version=1)), env={"CONTENTSERVER_LIBRARY_CHECK_SECONDS": "0"}
    )
    page = new_page(locale="en-US")
    page.goto(server.url + "/auth/login")  # a teacher page: never cached
    page.goto(server.url + LESSON)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.click("[data-offline-save] button")
    wait_until(
        page, "() => document.querySelector('[data-offline-save] [role=status]').textContent.startsWith('Saved')"
    )
    assert page.inner_text("[data-offline-save] button") == "Remove from saved lessons"

    page.context.set_offline(True)
    page.goto(server.url + LESSON)
    assert "Version 1 of the text." in page.inner_text("article") and image_width(page) == 41
    page.goto(server.url + "/saved")
    page.wait_for_selector("ul.saved a")
    assert page.inner_text("ul.saved").startswith("Water in three states")
    page.goto(server.url + "/lessons/other")  # not saved: the saved-lessons page answers instead
    assert page.inner_text("h1") == "Saved lessons"

    page.context.set_offline(False)
    from contentserver import create_app

    updater = create_app({"DATA_DIR": str(server.data_dir), "STARTER_LIBRARY": ""})
    import_into(updater, make_library([water(2), "other"], version=2))
    page.goto(server.url + "/saved")  # back on the school Wi-Fi: saved copies are refreshed
    eventually(
        page,
        """async () => {
        const hit = await caches.match('/lessons/water', {ignoreVary: true});
        return hit && (await hit.text()).includes('Version 2 of the text.');
    }""",
    )
    eventually(
        page,
        """async () => {
        const html = await (await caches.match('/lessons/water', {ignoreVary: true})).text();
        const src = html.match(/<img[^>]*src="([^"]+)"/)[1];
        return !!(await caches.match(src, {ignoreVary: true}));
    }""",
    )

    assert all(ALLOWED_IN_CACHE.match(path) for path in cached_paths(page)), cached_paths(page)
    assert "/auth/login" not in cached_paths(page)

    server.proc.terminate()  # no connection at all: the server is gone too
    server.proc.wait(timeout=10)
    page.context.set_offline(True)
    page.goto(server.url + LESSON)
    assert "Version 2 of the text." in page.inner_text("article") and image_width(page) == 42
    worksheet = page.evaluate("""async () => {
        const response = await fetch(document.querySelector('figure.pdf figcaption a').getAttribute('href'));
        return [response.status, (await response.text()).slice(0, 5)];
    }""")
    assert worksheet == [200, "%PDF-"]
    assert not page.dialogs and not page.errors


def test_without_javascript_the_lesson_has_no_save_button_and_still_reads(live_server, new_page):
    page = new_page(java_script_enabled=False)
    page.goto(live_server.url + "/lessons/math-circle-kk")
    assert not page.is_visible("[data-offline-save]")
    assert page.inner_text("article h1")
    page.goto(live_server.url + "/saved")
    assert page.is_visible("[data-offline-unsupported]")


def test_a_saved_quiz_answered_away_from_school_says_answers_are_checked_when_the_server_is_reachable(
    start_server, make_library, new_page
):
    server = start_server(starter=str(make_library([lesson_spec("capitals", title="Capitals", body=QUIZ_BODY)])))
    page = new_page(locale="en-US")
    page.goto(server.url + "/lessons/capitals")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.click("[data-offline-save] button")
    wait_until(
        page, "() => document.querySelector('[data-offline-save] [role=status]').textContent.startsWith('Saved')"
    )
    server.proc.terminate()  # away from the school's Wi-Fi: no server at all
    server.proc.wait(timeout=10)
    page.context.set_offline(True)
    first = pick_and_check(page, server.url + "/lessons/capitals", "Astana", ".quiz-offline")
    assert first.locator(".quiz-offline").inner_text() == (
        "No connection to the school server: answers are checked when it is reachable."
    )
    assert page.evaluate("() => window.notReloaded === true")  # the lesson stays open, no browser error page
    assert all(ALLOWED_IN_CACHE.match(path) for path in cached_paths(page)), cached_paths(page)
