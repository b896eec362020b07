"""The page cache's fast path: a page Flask served once is replayed the same way, without Flask's request work."""

from __future__ import annotations

import gzip

from conftest import import_into, sample_lessons

from contentserver.views.page_cache import page_key

EN = {"Accept-Language": "en"}


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


GZIP = {**EN, "Accept-Encoding": "gzip, deflate"}


def test_a_client_that_accepts_gzip_gets_the_page_compressed_once(counted):
    client, seen = counted
    first = client.get("/lessons/alpha", headers=EN)
    packed = client.get("/lessons/alpha", headers=GZIP)
    assert len(seen) == 1
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert int(packed.headers["Content-Length"]) == len(packed.get_data()) < len(first.get_data()) / 2
    assert gzip.decompress(packed.get_data()) == first.get_data()
    # The same page in other bytes: a weak validator, still answered with 304 (and nothing more) when sent back.
    assert packed.headers["ETag"] == f'W/{first.headers["ETag"]}'
    again = client.get("/lessons/alpha", headers={**GZIP, "If-None-Match": packed.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b"" and "Content-Encoding" not in again.headers


def test_a_client_without_gzip_or_refusing_it_gets_the_plain_page(counted):
    client, _ = counted
    first = client.get("/lessons/alpha", headers=EN)
    for refused in ("identity", "gzip;q=0", "br"):
        plain = client.get("/lessons/alpha", headers={**EN, "Accept-Encoding": refused})
        assert "Content-Encoding" not in plain.headers and plain.get_data() == first.get_data()


def test_a_visitor_with_a_session_is_served_the_page_the_cache_compressed(counted):
    client, seen = counted
    first = client.get("/lessons/alpha", headers=EN)
    client.get("/lessons/alpha", headers=EN)  # kept to replay: the page's HTML is now held compressed only
    client.set_cookie("session", "anything")
    assert client.get("/lessons/alpha", headers=EN).get_data() == first.get_data()
    assert len(seen) == 2


def test_pages_beyond_the_byte_budget_are_dropped_least_recent_first(make_app, make_library):
    from contentserver.views.page_cache import PAGE_OVERHEAD

    app = make_app(PAGE_CACHE_BYTES=3 * (PAGE_OVERHEAD + 1500))
    import_into(app, make_library(sample_lessons()))
    client, cache = app.test_client(), app.extensions["page_cache"]
    for path in ("/lessons/alpha", "/lessons/beta", "/lessons/gamma", "/", "/lessons/alpha"):
        client.get(path, headers=EN)
        client.get(path, headers=EN)
        assert cache.bytes <= cache.max_bytes
    assert cache.get(page_key({"PATH_INFO": "/lessons/alpha", "HTTP_ACCEPT_LANGUAGE": "en"}, "kk", cache.version))
    assert (
        cache.get(page_key({"PATH_INFO": "/lessons/beta", "HTTP_ACCEPT_LANGUAGE": "en"}, "kk", cache.version)) is None
    )
