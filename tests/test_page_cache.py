"""The page cache's fast path: a page Flask served once is replayed the same way, without Flask's request work."""
from __future__ import annotations

import pytest

EN = {"Accept-Language": "en"}


@pytest.fixture
def counted(sample_app):
    """The sample app with a counter of requests that went through Flask's request handling."""
    seen = []
    sample_app.before_request(lambda: seen.append(1))
    return sample_app.test_client(), seen


def test_replayed_page_has_the_same_status_headers_and_body_as_flasks(counted):
    client, seen = counted
    first = client.get("/lessons/alpha", headers=EN)
    replayed = [client.get("/lessons/alpha", headers=EN) for _ in range(3)]
    assert len(seen) == 1
    for again in replayed:
        assert again.status_code == 200 and again.get_data() == first.get_data()
        # Date is the server's to add to every response (waitress does); everything else is Flask's own.
        assert sorted(again.headers.items()) == sorted(h for h in first.headers.items() if h[0] != "Date")


def test_replayed_304_keeps_etag_and_caching_headers_but_no_body(counted):
    client, _ = counted
    first = client.get("/", headers=EN)
    again = client.get("/", headers={**EN, "If-None-Match": f'W/{first.headers["ETag"]}'})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Cache-Control"] == "no-cache" and "Cookie" in again.headers["Vary"]


def test_each_ui_language_gets_its_own_cached_page(counted):
    client, seen = counted
    pages = {}
    for _ in range(2):
        for lang in ("en", "ru", "kk"):
            client.set_cookie("lang", lang)
            pages.setdefault(lang, set()).add(client.get("/lessons/alpha").get_data(as_text=True))
    assert len(seen) == 3
    assert all(len(versions) == 1 for versions in pages.values())
    assert '<html lang="ru"' in pages["ru"].pop() and '<html lang="en"' in pages["en"].pop()


def test_a_visitor_with_a_session_cookie_always_goes_through_flask(counted):
    client, seen = counted
    client.get("/lessons/alpha", headers=EN)
    client.set_cookie("session", "anything")
    client.get("/lessons/alpha", headers=EN)
    client.get("/lessons/alpha", headers=EN)
    assert len(seen) == 3


def test_other_methods_and_uncached_paths_go_through_flask(counted):
    client, seen = counted
    client.get("/lessons/alpha", headers=EN)
    assert client.head("/lessons/alpha", headers=EN).status_code == 200
    assert client.get("/lessons/no-such-lesson", headers=EN).status_code == 404
    assert client.get("/lessons/no-such-lesson", headers=EN).status_code == 404
    assert len(seen) == 4


def test_what_after_request_hooks_add_is_replayed_too(sample_app):
    def mark(response):
        response.headers["X-Served-By"] = "flask"
        return response
    sample_app.after_request(mark)
    client = sample_app.test_client()
    first = client.get("/lessons/alpha", headers=EN)
    again = client.get("/lessons/alpha", headers=EN)
    assert again.headers["X-Served-By"] == "flask" and again.get_data() == first.get_data()
