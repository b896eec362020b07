"""docs/https.md end to end: the school's authority made by deploy/school-ca.sh, nginx with deploy/nginx-https.conf,
and a Chromium that trusts only that authority (installed from the box, as a phone would) saving a lesson for
offline reading over HTTPS; a Chromium that does not trust it is refused."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, browser, wait_until
from conftest import REPO, free_port, http_get, stop_process
from libmaker import sample_lessons
from test_deploy_front import FRONT_ENV, start_front

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not all(shutil.which(tool) for tool in ("nginx", "openssl", "certutil")),
        reason="needs nginx, openssl and certutil (Debian's libnss3-tools: `make system-deps`)",
    ),
]
SAVED = "() => document.querySelector('[data-offline-save] [role=status]').textContent.startsWith('Saved')"


def _https_conf(tls_dir, port: int) -> str:
    text = (REPO / "deploy" / "nginx-https.conf").read_text()
    return text.replace("@TLS_LISTEN@", f"127.0.0.1:{port}").replace("@TLS_DIR@", str(tls_dir))


def _trust_store(home, ca_pem: bytes) -> None:
    """A browser profile's NSS store holding the school's authority: what 'install a CA certificate' does."""
    store = home / ".pki" / "nssdb"
    store.mkdir(parents=True)
    (home / "school-ca.crt").write_bytes(ca_pem)
    subprocess.run(["certutil", "-d", f"sql:{store}", "-N", "--empty-password"], check=True)
    certutil = ["certutil", "-d", f"sql:{store}", "-A", "-t", "C,,", "-n", "school", "-i", str(home / "school-ca.crt")]
    subprocess.run(certutil, check=True)


@pytest.fixture
def https_box(start_server, make_library, tmp_path):
    """waitress behind nginx serving HTTP and HTTPS with a certificate from deploy/school-ca.sh."""
    server = start_server(starter=str(make_library(sample_lessons())), env=FRONT_ENV)
    tls = tmp_path / "tls"
    subprocess.run([str(REPO / "deploy" / "school-ca.sh"), str(tls), "127.0.0.1", "school.local"], check=True)
    conf, port = tmp_path / "tls-conf", free_port()
    conf.mkdir()
    (conf / "https.conf").write_text(_https_conf(tls, port))
    url, proc = start_front(server, tmp_path / "nginx", free_port(), str(conf / "*.conf"))
    try:
        yield url, f"https://127.0.0.1:{port}", tls
    finally:
        stop_process(proc)
        proc.stderr.close()


def test_a_phone_that_trusts_the_schools_authority_saves_a_lesson_over_https(https_box, browser, tmp_path):
    http_url, https_url, tls = https_box
    status, headers, ca_pem = http_get(http_url + "/school-ca.crt")
    assert status == 200 and ca_pem == (tls / "ca.crt").read_bytes() and "x509-ca-cert" in headers["Content-Type"]
    assert b"PRIVATE" not in ca_pem
    home = tmp_path / "phone"
    _trust_store(home, ca_pem)
    phone = browser.browser_type.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, env={**os.environ, "HOME": str(home)}
    )
    try:
        page = phone.new_page(locale="en-US", viewport={"width": 360, "height": 640})
        page.goto(https_url + "/lessons/alpha")
        assert page.evaluate("window.isSecureContext")
        page.evaluate("navigator.serviceWorker.ready.then(() => true)")
        assert page.is_visible("[data-offline-save] button"), "over HTTPS the save button shows"
        page.click("[data-offline-save] button")
        wait_until(page, SAVED)
        page.context.set_offline(True)
        page.goto(https_url + "/lessons/alpha")
        assert page.inner_text("h1")
        page.screenshot(path=str(tmp_path / "saved-over-https.png"))
    finally:
        phone.close()


def test_a_phone_that_does_not_trust_the_authority_is_refused(https_box, browser):
    _http_url, https_url, _tls = https_box
    page = browser.new_page(locale="en-US")
    with pytest.raises(Exception, match="ERR_CERT_AUTHORITY_INVALID"):
        page.goto(https_url + "/lessons/alpha")
    page.close()


def test_the_script_keeps_the_authority_and_renews_the_box_certificate(tmp_path):
    script = str(REPO / "deploy" / "school-ca.sh")
    subprocess.run([script, str(tmp_path), "school.local"], check=True, capture_output=True)
    ca, first = (tmp_path / "ca.crt").read_bytes(), (tmp_path / "server.crt").read_bytes()
    subprocess.run([script, str(tmp_path), "school.local", "10.0.0.5"], check=True, capture_output=True)
    assert (tmp_path / "ca.crt").read_bytes() == ca, "phones keep trusting the same authority"
    assert (tmp_path / "server.crt").read_bytes() != first
    text = subprocess.run(
        ["openssl", "x509", "-in", str(tmp_path / "server.crt"), "-noout", "-ext", "subjectAltName"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert "DNS:school.local" in text and "IP Address:10.0.0.5" in text
    verified = subprocess.run(["openssl", "verify", "-CAfile", str(tmp_path / "ca.crt"), str(tmp_path / "server.crt")])
    assert verified.returncode == 0
    assert oct((tmp_path / "ca.key").stat().st_mode & 0o777) == "0o600", "the authority's key is the box's secret"
