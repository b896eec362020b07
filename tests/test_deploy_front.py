"""deploy/nginx.conf in front of real waitress: cached pages, object files sent by nginx, the client's address."""

from __future__ import annotations

import functools
import gzip
import http.client
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import EN, FAKE_MP4, MP4_SHA, free_port, http_get, stop_process
from libmaker import sample_lessons
from teach_http import PASSWORD, Client, _NoRedirect, start_site

from bench.front import site_conf

FRONT_ENV = {"CONTENTSERVER_TRUSTED_PROXY_COUNT": "1", "CONTENTSERVER_OBJECTS_ACCEL_PREFIX": "/_objects/"}
MAIN_CONF = """daemon off; worker_processes 1; user root; pid {run}/nginx.pid; error_log {run}/error.log warn;
events {{ worker_connections 64; }}
http {{ include /etc/nginx/mime.types; access_log off; client_body_temp_path {run}/body;
  proxy_temp_path {run}/proxy; fastcgi_temp_path {run}/fastcgi; uwsgi_temp_path {run}/uwsgi;
  scgi_temp_path {run}/scgi; include {run}/site.conf; }}
"""


def start_front(server, run: Path, port: int, tls_conf: str = "") -> tuple[str, subprocess.Popen]:
    """nginx from deploy/nginx.conf before `server`, answering on `port` once it is up."""
    run.mkdir(exist_ok=True)
    upstream = server.url.split("//")[1]
    (run / "site.conf").write_text(site_conf(f"127.0.0.1:{port}", upstream, server.data_dir, run / "cache", tls_conf))
    (run / "nginx.conf").write_text(MAIN_CONF.format(run=run))
    proc = subprocess.Popen(["nginx", "-p", str(run), "-c", str(run / "nginx.conf")], stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    for _ in range(100):
        try:
            http_get(url + "/static/style.css")
            return url, proc
        except OSError:
            if proc.poll() is not None:
                raise AssertionError(proc.stderr.read().decode()) from None
            time.sleep(0.05)
    stop_process(proc)
    raise AssertionError("nginx did not answer")


@pytest.fixture
def front(start_server, make_library, tmp_path):
    """waitress with the front's settings over the sample lessons, and nginx from deploy/nginx.conf before it."""
    server = start_server(starter=str(make_library(sample_lessons())), env=FRONT_ENV)
    url, proc = start_front(server, tmp_path / "nginx", free_port())
    try:
        yield url
    finally:
        stop_process(proc)
        proc.stderr.close()


@pytest.mark.skipif(shutil.which("nginx") is None, reason="needs nginx")
def test_front_caches_pages_and_nginx_sends_objects_with_range_and_the_apps_type(front):
    first = http_get(front + "/lessons/alpha", EN)
    again = http_get(front + "/lessons/alpha", EN)
    assert first[0] == again[0] == 200 and again[1]["X-Cache"] == "HIT" and again[2] == first[2]
    status, headers, body = http_get(front + f"/objects/{MP4_SHA}", {"Range": "bytes=10-19"})
    assert status == 206 and body == FAKE_MP4[10:20] and headers["Content-Type"] == "video/mp4"
    assert headers["ETag"] == f'"{MP4_SHA}"' and "immutable" in headers["Cache-Control"]
    assert headers["X-Content-Type-Options"] == "nosniff" and "X-Accel-Redirect" not in headers
    assert http_get(front + f"/objects/{MP4_SHA}", {"If-None-Match": f'"{MP4_SHA}"'})[0] == 304
    assert http_get(front + "/objects/" + "0" * 64)[0] == 404, "an object no lesson shows stays hidden"
    assert http_get(front + "/static/style.css")[0] == 200


def test_without_nginx_the_app_only_names_the_file_for_the_front(start_server, make_library):
    server = start_server(starter=str(make_library(sample_lessons())), env=FRONT_ENV)
    status, headers, body = server.get(f"/objects/{MP4_SHA}")
    assert status == 200 and body == b"" and headers["X-Accel-Redirect"] == f"/_objects/{MP4_SHA[:2]}/{MP4_SHA[2:]}"
    assert headers["Content-Type"] == "video/mp4"
    status, headers, _ = server.get(f"/objects/{MP4_SHA}", {"If-None-Match": f'"{MP4_SHA}"'})
    assert status == 304 and "X-Accel-Redirect" not in headers


def _failing_logins(site_url: str, forwarded_for: str, names: tuple[str, ...]) -> Client:
    client = Client(site_url)
    client.opener.addheaders = [("X-Forwarded-For", forwarded_for)]
    for name in names:
        assert client.login(name, "guess").status == 401
    return client


THROTTLE = {
    "CONTENTSERVER_LOGIN_SLOW_AFTER": "10",
    "CONTENTSERVER_LOGIN_LOCK_AFTER": "4",
    "CONTENTSERVER_LOGIN_LOCK_SECONDS": "60",
}


def test_behind_a_trusted_proxy_throttling_counts_the_forwarded_address(start_server, tmp_path):
    site = start_site(start_server, tmp_path / "site", env={**THROTTLE, "CONTENTSERVER_TRUSTED_PROXY_COUNT": "1"})
    locked = _failing_logins(site.url, "10.0.0.7", ("x1", "x2", "x3", "x4"))
    assert locked.login("boris", PASSWORD).status == 429
    other = Client(site.url)
    other.opener.addheaders = [("X-Forwarded-For", "10.0.0.8")]
    assert other.login("boris", PASSWORD).status == 303, "another student machine is not locked out"


def test_without_a_trusted_proxy_a_forged_forwarded_address_does_not_escape_the_lock(start_server, tmp_path):
    site = start_site(start_server, tmp_path / "site", env=THROTTLE)
    _failing_logins(site.url, "10.0.0.7", ("x1", "x2", "x3", "x4"))
    forger = Client(site.url)
    forger.opener.addheaders = [("X-Forwarded-For", "10.0.0.8")]
    assert forger.login("boris", PASSWORD).status == 429


class _FromAddress(urllib.request.HTTPHandler):
    """Connections from another loopback address: a phone on the LAN reaching waitress itself, not through nginx."""

    def __init__(self, address: str):
        super().__init__()
        self.address = address

    def http_open(self, req):
        return self.do_open(functools.partial(http.client.HTTPConnection, source_address=(self.address, 0)), req)


def test_behind_a_trusted_proxy_a_phone_reaching_waitress_directly_cannot_forge_its_address(start_server, tmp_path):
    site = start_site(start_server, tmp_path / "site", env={**THROTTLE, "CONTENTSERVER_TRUSTED_PROXY_COUNT": "1"})
    phone = Client(site.url)
    phone.opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(phone.jar), _NoRedirect(), _FromAddress("127.0.0.2")
    )
    phone.opener.addheaders = [("X-Forwarded-For", "10.0.0.7")]
    for name in ("x1", "x2", "x3", "x4"):
        assert phone.login(name, "guess").status == 401
    phone.opener.addheaders = [("X-Forwarded-For", "10.0.0.8")]
    assert phone.login("boris", PASSWORD).status == 429, "waitress believed X-Forwarded-For from a non-proxy"
    proxied = Client(site.url)  # from 127.0.0.1, run.py's default --trusted-proxy: nginx's address
    proxied.opener.addheaders = [("X-Forwarded-For", "10.0.0.8")]
    assert proxied.login("boris", PASSWORD).status == 303, "the front's forwarded address still counts"


@pytest.mark.skipif(shutil.which("nginx") is None, reason="needs nginx")
def test_front_keeps_the_gzip_and_the_plain_page_apart(front):
    plain = http_get(front + "/lessons/alpha", EN)[2]
    for _ in range(2):  # then again, from nginx's cache: one variant per Accept-Encoding (the app's Vary)
        for encoding in ("gzip, deflate", "identity"):
            status, headers, body = http_get(front + "/lessons/alpha", {**EN, "Accept-Encoding": encoding})
            zipped = headers["Content-Encoding"] == "gzip"
            assert status == 200 and zipped == (encoding != "identity")
            assert (gzip.decompress(body) if zipped else body) == plain
