"""Issue 20 point 8: over plain http:// on the school LAN (no service worker), a lesson downloads as one HTML file
that opens with no network, pictures included; "Saved lessons" shows only where saving can work."""

from __future__ import annotations

import socket

import pytest
from browser_support import axe_source, browser, new_page
from conftest import lesson_spec, pdf_bytes, png_bytes, write_built_library
from firsthour_support import VIEW_IDS, VIEWS, assert_axe_clean, open_page, serving

pytestmark = pytest.mark.browser


def lan_address() -> str:
    """This machine's address on its network (not loopback): http:// there is no secure context."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the outgoing interface
        address = probe.getsockname()[0]
    if address.startswith("127."):
        pytest.fail("the test needs a non-loopback IPv4 address to reach the server over plain http://")
    return address


@pytest.fixture(scope="module")
def lan(tmp_path_factory):
    root = tmp_path_factory.mktemp("first-hour-offline")
    lesson = lesson_spec(
        "birds",
        title="Қарлығаш: ұя салу",
        lang="kk",
        script="Cyrl",
        body="# Қарлығаш\n\nҚарлығаш ұясын балшықтан салады.\n\n![Ұя](nest.png)\n\n[Жұмыс парағы](sheet.pdf)\n",
        attachments={"nest.png": png_bytes(64, 48, (120, 80, 20)), "sheet.pdf": pdf_bytes("birds")},
    )
    with serving(root, write_built_library(root / "library", [lesson]), host="0.0.0.0", url_host=lan_address()) as live:
        yield live


@pytest.mark.parametrize(("locale", "viewport"), VIEWS, ids=VIEW_IDS)
def test_a_lesson_downloads_as_one_file_that_opens_offline(lan, new_page, axe_source, tmp_path, locale, viewport):
    page = open_page(new_page, locale, viewport, accept_downloads=True)
    page.goto(lan.url + "/lessons/birds")
    assert page.evaluate("window.isSecureContext") is False
    assert not page.is_visible("header a[href='/saved']"), "saving cannot work here: its link is hidden"
    assert not page.is_visible("[data-offline-save]")
    assert_axe_clean(page, axe_source)
    with page.expect_download() as download:
        page.click("a[href='/lessons/birds/download']")
    assert download.value.suggested_filename == "Қарлығаш ұя салу.html"
    saved = tmp_path / "lesson.html"
    download.value.save_as(saved)
    assert saved.stat().st_size < 100_000

    offline = open_page(new_page, locale, viewport)
    offline.context.set_offline(True)
    asked = []
    offline.on("request", lambda request: asked.append(request.url))
    offline.goto(saved.as_uri())
    assert "Қарлығаш ұясын балшықтан салады." in offline.inner_text("article")
    offline.wait_for_function("document.querySelector('article img').complete")
    assert offline.eval_on_selector("article img", "img => img.naturalWidth") == 64, "the picture is inside"
    assert offline.locator("a", has_text="Жұмыс парағы").get_attribute("href").startswith(lan.url + "/objects/")
    assert [url for url in asked if not url.startswith(("file:", "data:"))] == []
    assert not offline.errors


@pytest.mark.parametrize(("locale", "viewport"), VIEWS, ids=VIEW_IDS)
def test_saved_lessons_shows_where_saving_works_and_explains_itself_where_not(lan, new_page, locale, viewport):
    secure = lan.url.replace(lan.url.split("//")[1].split(":")[0], "127.0.0.1")
    page = open_page(new_page, locale, viewport)
    page.goto(secure + "/lessons/birds")
    page.wait_for_selector("header a[href='/saved']", state="visible")
    page.goto(lan.url + "/saved")
    assert page.is_visible("[data-offline-unsupported]")
    assert "https" in page.inner_text("[data-offline-unsupported]")
