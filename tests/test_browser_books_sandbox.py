"""In real headless Chromium: a script inside a ZIM page runs, but cannot read cookies or act as a teacher."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS
from teach_http import PASSWORD, start_site
from test_books_browse import import_zim
from zims import make_zim

pytestmark = pytest.mark.browser
ATTACK = """<!doctype html><html><head><title>Evil</title></head><body>
<p id="ran">no</p><p id="cookie"></p><p id="post"></p><p id="read"></p>
<form id="f" method="post" action="/teach/new"><input name="title" value="pwned by form"></form>
<script>
document.getElementById("ran").textContent = "yes";
try { document.getElementById("cookie").textContent = "read:" + document.cookie; }
catch (e) { document.getElementById("cookie").textContent = "blocked:" + e.name; }
const body = "title=pwned+by+fetch&subject=science&grade=5&lang=en&script=Latn&body=x&action=save";
fetch("/teach/new", {method: "POST", credentials: "include", body: body,
                     headers: {"Content-Type": "application/x-www-form-urlencoded"}})
  .then(r => r.text()).then(t => { document.getElementById("post").textContent = "answered:" + t.slice(0, 40); })
  .catch(e => { document.getElementById("post").textContent = "blocked"; });
fetch("/teach/", {credentials: "include"})
  .then(r => r.text()).then(t => { document.getElementById("read").textContent = "answered:" + t.slice(0, 40); })
  .catch(e => { document.getElementById("read").textContent = "blocked"; });
try { document.getElementById("f").submit(); } catch (e) {}
</script></body></html>"""


def test_a_zim_script_cannot_read_cookies_or_post_a_teacher_form(start_server, tmp_path: Path):
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make system-deps`")
    from playwright.sync_api import sync_playwright

    zim = make_zim(tmp_path / "evil.zim", [("evil.html", "Evil", "text/html", ATTACK)], name="evil", main="evil.html")
    data_dir = tmp_path / "site"
    import_zim(data_dir, zim)
    site = start_site(start_server, data_dir)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(locale="en-US")
            teacher = context.new_page()
            teacher.goto(site.url + "/teach/")
            teacher.fill("#username", "anna")
            teacher.fill("#password", PASSWORD)
            teacher.click("button:has-text('Log in')")
            assert "/teach" in teacher.url
            context.add_cookies([{"name": "probe", "value": "secret", "url": site.url}])  # readable by the site's JS

            page = context.new_page()
            page.goto(site.url + "/books/evil/")
            page.wait_for_function(
                "document.getElementById('post').textContent && document.getElementById('read').textContent"
            )
            page.wait_for_timeout(500)  # the form's submit, had it been allowed, would have navigated by now
            assert page.url.endswith("/books/evil/evil.html"), "the ZIM's form was submitted"
            assert page.inner_text("#ran") == "yes", "the sandbox still lets the book's own scripts run"
            assert page.inner_text("#cookie").startswith("blocked:")
            assert page.inner_text("#post") == "blocked" and page.inner_text("#read") == "blocked"
            teacher.goto(site.url + "/teach/")
            assert "pwned" not in teacher.content()

            page.click("text=School library")  # the bar's way back, without JavaScript
            assert page.url == site.url + "/"
        finally:
            browser.close()
