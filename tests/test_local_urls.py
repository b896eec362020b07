"""Open redirects (issue 15 item 6): a `next=` is judged in the form the Location header carries."""

from __future__ import annotations

import urllib.parse

import pytest
from hypothesis import given
from hypothesis import strategies as st
from teach_http import PASSWORD, Client, start_site
from werkzeug.test import create_environ
from werkzeug.utils import redirect

from contentserver.local_urls import local_path

ESCAPES = ["/%09/evil.example", "/%0a/x", "/%0d%0a/x", "/%09%09/evil.example", "/%5c/evil.example", "%09//evil"]


@pytest.fixture
def site(start_server, tmp_path):
    return start_site(start_server, tmp_path / "site")


def _off_site(location: str, base: str) -> bool:
    target = urllib.parse.urljoin(base + "/somewhere/page", location)
    return urllib.parse.urlsplit(target).netloc != urllib.parse.urlsplit(base).netloc


def test_language_switch_and_login_never_redirect_off_site_nor_fail(site):
    for escape in ESCAPES:
        reply = Client(site.url).get(f"/ui-language/en?next={escape}")
        assert reply.status == 303, (escape, reply.text)
        assert reply.location == "/" and not _off_site(reply.location, site.url), escape
        client = Client(site.url)
        client.get(f"/auth/login?next={escape}")
        reply = client.post(f"/auth/login?next={escape}", {"username": "anna", "password": PASSWORD})
        assert reply.status == 303, (escape, reply.text)
        assert reply.location == "/teach/", escape

    reply = Client(site.url).get("/ui-language/kk?next=" + urllib.parse.quote("/search?q=қазақ тілі"))
    assert reply.status == 303
    assert urllib.parse.unquote(reply.location) == "/search?q=қазақ тілі"


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=30))
def test_a_path_allowed_is_exactly_what_the_header_sends_and_stays_on_site(text):
    for target in (text, "/" + text, "/\t" + text):
        allowed = local_path(target)
        if allowed is None:
            continue
        sent = redirect(allowed).get_wsgi_headers(create_environ())["Location"]
        assert sent == allowed
        assert sent.startswith("/") and not sent.startswith("//") and "\\" not in sent
        assert urllib.parse.urlsplit(urllib.parse.urljoin("http://school.lan/a/b", sent)).netloc == "school.lan"
