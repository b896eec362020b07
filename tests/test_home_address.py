"""The home page shows the short address it was opened at, for a student to pass on, and its QR code on large
screens only; each Host gets its own cached home page, and a Host that is no address shows nothing."""

from __future__ import annotations

import re
import subprocess

import pytest
from browser_support import axe_source, axe_violations, browser, new_page
from test_poster import decoded

from contentserver.box_address import share_address
from contentserver.views.page_cache import page_key

SHARE = re.compile(r'<aside class="share".*?</aside>', re.S)


def share_box(server, host: str) -> str | None:
    status, _headers, body = server.get("/", headers={"Host": host, "Accept-Language": "en"})
    assert status == 200
    found = SHARE.search(body.decode("utf-8"))
    return found.group(0) if found else None


def test_the_home_page_shows_the_address_it_was_opened_at(live_server, tmp_path):
    for _round in range(2):  # the second answers come from the page cache's replay
        box = share_box(live_server, "192.168.7.20:8080")
        assert box and '<strong class="share-address">192.168.7.20:8080</strong>' in box
        assert "mektep.local" in share_box(live_server, "mektep.local") and "192.168" not in share_box(
            live_server, "mektep.local"
        )
    svg = re.search(r"<svg.*?</svg>", box, re.S).group(0)
    assert 'aria-label="QR code of 192.168.7.20:8080"' in svg
    png = tmp_path / "share.png"
    standalone = svg.replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="300" ', 1)
    subprocess.run(["rsvg-convert", "-o", str(png)], input=standalone.encode(), check=True)
    assert decoded(png) == ["http://192.168.7.20:8080/"]
    port = live_server.url.rsplit(":", 1)[1]
    assert f">school.local:{port}</strong>" in share_box(live_server, f"127.0.0.1:{port}")  # the box itself
    assert share_box(live_server, 'x"><script>alert(1)</script>') is None


def test_only_the_home_page_is_cached_per_host():
    def key(path: str, host: str) -> tuple:
        return page_key({"PATH_INFO": path, "HTTP_HOST": host}, "kk", 1)

    assert key("/", "10.0.0.5:8080") != key("/", "school.local:8080")
    assert key("/lessons/a", "10.0.0.5:8080") == key("/lessons/a", "school.local:8080")  # one copy of each lesson


@pytest.mark.parametrize(
    ("host", "mdns", "shown"),
    [
        ("10.0.0.5:8080", "school.local", "10.0.0.5:8080"),
        ("school.local:80", "school.local", "school.local"),
        ("localhost:8080", "school.local", "school.local:8080"),
        ("[::1]:8080", "box.local", "box.local:8080"),
        ("localhost:8080", None, None),
        ("[fd00::5]:8080", None, "[fd00::5]:8080"),
        ("a b", None, None),
        ("10.0.0.5:99999", None, None),
        ("", None, None),
    ],
)
def test_share_address(host, mdns, shown):
    assert share_address(host, mdns) == shown


@pytest.mark.browser
def test_the_qr_code_shows_on_large_screens_only(live_server, new_page, axe_source):
    for width, height, shown in ((360, 640, False), (1280, 800, True)):
        page = new_page(viewport={"width": width, "height": height})
        page.goto(live_server.url + "/")
        assert page.is_visible(".share-address")
        assert page.is_visible("svg.share-qr") is shown, f"{width}x{height}"
        assert axe_violations(page, axe_source) == []
