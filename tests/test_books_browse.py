"""Browsing books over real waitress: listings, main page, stable entry URLs, redirects, MIME, Range and ETag."""

from __future__ import annotations

import json
import subprocess
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from conftest import VENV_BIN, eventually
from libzim.reader import Archive
from zims import CORNER, RAY

RAY_ID = "wikipedia-en-ray-charles"
IMAGE = "I/m/Ray_Charles_classic_piano_pose.jpg"


def import_zim(data_dir, zim, *extra) -> None:
    done = subprocess.run(
        [str(VENV_BIN / "contentserver"), "import", str(zim), "--data", str(data_dir), *extra],
        capture_output=True,
        text=True,
        timeout=120,
        env={"PATH": "/usr/bin:/bin", "CONTENTSERVER_STARTER_LIBRARY": ""},
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """One server for the module, two books (one listed under science)."""
    import sys

    from conftest import REPO, free_port, stop_process

    data_dir = tmp_path_factory.mktemp("books") / "data"
    import_zim(data_dir, RAY, "--subject", "science")
    import_zim(data_dir, CORNER)
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "run.py"), "--host", "127.0.0.1", "--port", str(port), "--data", str(data_dir)],
        env={"PATH": "/usr/bin:/bin", "CONTENTSERVER_STARTER_LIBRARY": ""},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    from conftest import LiveServer, _wait_until_listening

    server = LiveServer(f"http://127.0.0.1:{port}", data_dir, proc, data_dir / "none.log")
    assert _wait_until_listening(server, port, 60)
    yield server
    stop_process(proc)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(site, path: str, headers: dict[str, str] | None = None):
    request = urllib.request.Request(site.url + path, headers={"Accept-Language": "en", **(headers or {})})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as reply:
            return reply.status, reply.headers, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_home_and_subject_pages_list_books_beside_lessons(site):
    for page in ("/", "/subjects/science", "/books/"):
        status, _headers, body = fetch(site, page)
        html = body.decode("utf-8")
        assert status == 200 and f'href="/books/{RAY_ID}/"' in html, page
        assert "Ray Charles" in html and "129 articles" in html and 'lang="en"' in html
    assert f"/books/-/{RAY_ID}/illustration.png" in fetch(site, "/")[2].decode()
    status, headers, body = fetch(site, f"/books/-/{RAY_ID}/illustration.png")
    assert status == 200 and headers["Content-Type"] == "image/png" and body.startswith(b"\x89PNG")


def test_a_book_opens_at_its_main_page_sandboxed_with_a_way_back(site):
    status, headers, _ = fetch(site, f"/books/{RAY_ID}/")
    assert status == 302 and headers["Location"].endswith(f"/books/{RAY_ID}/A/index")
    status, headers, body = fetch(site, f"/books/{RAY_ID}/A/Ray_Charles")
    html = body.decode("utf-8")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    csp = headers["Content-Security-Policy"]
    assert csp.startswith("sandbox allow-scripts;") and "allow-same-origin" not in csp and "form-action 'none'" in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    bar = html.split("<body", 1)[1].split(">", 1)[1][:1500]  # right after <body>
    assert 'href="/"' in bar and f'href="/search?source=book:{RAY_ID}"' in bar and "Ray Charles" in bar


def test_entries_keep_the_zims_mime_types_and_redirects(site):
    archive = Archive(str(CORNER))
    status, headers, _ = fetch(site, "/books/corner-cases/c%23")  # a redirect entry whose path has '#'
    assert status == 302 and headers["Location"].endswith("/books/corner-cases/c%23.html")
    status, headers, body = fetch(site, "/books/corner-cases/c%23.html")
    assert status == 200 and b"<title>C#</title>" in body
    for path in ("empty.css", "empty.js", "empty.png"):
        status, headers, body = fetch(site, "/books/corner-cases/" + urllib.parse.quote(path))
        mimetype = archive.get_entry_by_path(path).get_item().mimetype
        assert status == 200 and headers["Content-Type"].split(";")[0] == mimetype and body == b""


@pytest.mark.parametrize(
    "path",
    [
        f"/books/{RAY_ID}/A/No_such_article",
        f"/books/{RAY_ID}/..%2F..%2Fetc%2Fpasswd",
        f"/books/{RAY_ID}/A/..%2F..%2F..%2Flibrary.sqlite",
        "/books/no-such-book/",
        "/books/Bad..Id/x",
        f"/books/{RAY_ID}/A/Ray_Charles%3Fx%3D1%26y",
        "/books/corner-cases/%D0%BA%D0%B8%D1%80%D0%B8%D0%BB%D0%BB%D0%B8%D1%86%D0%B0 with space.html",
    ],
)
def test_no_path_reaches_anything_but_the_zims_own_entries(site, path):
    status, _headers, body = fetch(site, urllib.parse.quote(path, safe="/%"))
    assert status == 404 and b"root:" not in body and b"SQLite" not in body


def test_range_and_etag_on_media_inside_the_zim(site):
    whole = bytes(Archive(str(RAY)).get_entry_by_path(IMAGE).get_item().content)
    status, headers, body = fetch(site, f"/books/{RAY_ID}/{IMAGE}")
    assert status == 200 and body == whole and headers["Accept-Ranges"] == "bytes"
    etag = headers["ETag"]
    status, headers, body = fetch(site, f"/books/{RAY_ID}/{IMAGE}", {"Range": "bytes=100-299"})
    assert status == 206 and body == whole[100:300] and headers["Content-Range"] == f"bytes 100-299/{len(whole)}"
    status, headers, body = fetch(site, f"/books/{RAY_ID}/{IMAGE}", {"Range": "bytes=-50"})
    assert status == 206 and body == whole[-50:]
    assert fetch(site, f"/books/{RAY_ID}/{IMAGE}", {"If-None-Match": etag})[0] == 304
    status, _headers, body = fetch(site, f"/books/{RAY_ID}/{IMAGE}", {"Range": "bytes=0-9", "If-Range": '"other"'})
    assert status == 200 and body == whole
    assert fetch(site, f"/books/{RAY_ID}/{IMAGE}", {"Range": f"bytes={len(whole) + 5}-"})[0] == 416


def test_pages_answered_in_front_of_flask_are_the_pages_flask_gives(site):
    path = f"/books/{RAY_ID}/A/Ray_Charles_discography"
    first = fetch(site, path)  # Flask renders this language's bar once
    again = fetch(site, path)  # then the layer in front of Flask answers
    assert first[0] == again[0] == 200 and first[2] == again[2]
    for header in ("Content-Type", "Content-Security-Policy", "ETag", "X-Content-Type-Options", "Vary"):
        assert first[1][header] == again[1][header], header
    kazakh = [fetch(site, path, {"Accept-Language": "kk"}) for _ in range(2)]
    assert kazakh[0][2] == kazakh[1][2] != first[2] and kazakh[0][1]["ETag"] != first[1]["ETag"]
    assert fetch(site, path, {"If-None-Match": first[1]["ETag"]})[0] == 304
    assert fetch(site, "/books/no-such-book/A/Ray_Charles")[0] == 404


def test_the_server_indexes_its_books_in_a_child_process_while_serving(site):
    def searchable() -> bool:
        status, _headers, body = fetch(site, "/api/search?q=glaucoma")
        found = json.loads(body)
        return status == 200 and not found["unindexed_books"] and found["articles"][:1] != []

    assert eventually(searchable, 90)
    assert fetch(site, f"/books/{RAY_ID}/A/Ray_Charles")[0] == 200
    children = Path(f"/proc/{site.proc.pid}/task/{site.proc.pid}/children").read_text().split()
    assert children == [], "the index job should have exited once every book was indexed"
