"""Every page carries a strict Content-Security-Policy and may not be framed (issue 15 item 10), and the pages
still work under it in Chromium: nothing they need is refused."""

from __future__ import annotations

import pytest
from browser_support import browser, new_page
from teach_http import PASSWORD, create_lesson, start_site

PAGES = ["/", "/saved", "/search?q=leaf", "/auth/login", "/auth/logout", "/no-such-page", "/lessons/nothing"]
ADMIN_PAGES = ["/admin/", "/admin/users/2/password", "/admin/deleted", "/admin/shares", "/teach/", "/teach/new"]


@pytest.fixture
def site(start_server, tmp_path):
    return start_site(start_server, tmp_path / "site")


def _framing_refused(headers) -> bool:
    policy = headers.get("Content-Security-Policy", "")
    directives = {part.strip().split(" ")[0]: part.strip() for part in policy.split(";") if part.strip()}
    return (
        headers.get("X-Frame-Options") == "DENY"
        and directives.get("frame-ancestors") == "frame-ancestors 'none'"
        and directives.get("script-src") == "script-src 'self'"
        and directives.get("default-src") == "default-src 'self'"
        and "unsafe-inline" not in policy
        and "unsafe-eval" not in policy
    )


def test_every_page_anonymous_or_signed_in_has_the_policy_and_refuses_framing(site):
    boss, anonymous = site.client("boss"), site.client()
    lesson_id = create_lesson(boss)
    for client, paths in ((anonymous, PAGES * 2), (boss, ADMIN_PAGES + [f"/teach/lessons/{lesson_id}"])):
        for path in paths:  # anonymous pages twice: the second answer may come from the page cache
            reply = client.get(path)
            assert reply.headers.get_content_type() == "text/html", path
            assert _framing_refused(reply.headers), (path, reply.status, dict(reply.headers))


@pytest.mark.browser
def test_account_and_admin_pages_work_under_the_policy_and_cannot_be_framed(site, new_page):
    page = new_page(locale="en-US")
    page.goto(site.url + "/auth/login")
    page.fill("#username", "boss")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Log in')")
    for path in ADMIN_PAGES + ["/", "/auth/logout"]:
        page.goto(site.url + path)
        assert page.evaluate("() => getComputedStyle(document.body).margin") != "8px", "style.css applied"
    page.goto(site.url + "/")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")  # offline.js ran and registered sw.js
    page.csp_violations.clear()  # below, the refusal of framing is expected to be reported

    framer = new_page(locale="en-US")
    framer.set_content(f'<iframe src="{site.url}/admin/" width="300" height="300"></iframe>')
    framer.wait_for_timeout(1000)
    framed = [frame for frame in framer.frames if frame != framer.main_frame]
    assert len(framed) == 1 and framed[0].query_selector("form") is None, "another site framed a form of ours"
    assert any("frame-ancestors" in text for text in framer.csp_violations), framer.csp_violations
    framer.csp_violations.clear()
