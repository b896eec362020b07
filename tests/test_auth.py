"""Accounts over real HTTP: login and logout, cookie flags, CSRF, throttling, disabling and password resets."""

from __future__ import annotations

import os
import stat
import subprocess
import time

import pytest
from conftest import REPO, VENV_BIN
from teach_http import LESSON, PASSWORD, Client, add_user, start_site


@pytest.fixture
def site(start_server, tmp_path):
    return start_site(start_server, tmp_path / "site")


def test_login_sets_httponly_samesite_cookie_and_logout_needs_a_post(site):
    client = Client(site.url)
    client.get("/auth/login")
    reply = client.post("/auth/login", {"username": "anna", "password": PASSWORD})
    assert reply.status == 303 and reply.location.endswith("/teach/")
    cookie = next(h for h in reply.headers.get_all("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    assert "My lessons" in client.get("/teach/").text
    assert client.get("/auth/logout").status == 200, "a GET only asks"
    assert client.get("/teach/").status == 200
    client.get("/teach/")
    assert client.post("/auth/logout").status == 303
    assert client.get("/teach/").status == 302


def test_secure_cookie_when_configured_for_https(start_server, tmp_path):
    data = tmp_path / "site"
    add_user(data, "boss", admin=True)
    server = start_server(data_dir=data, starter="", env={"CONTENTSERVER_COOKIE_SECURE": "1"})
    client = Client(server.url)
    reply = client.get("/auth/login")
    cookie = next(h for h in reply.headers.get_all("Set-Cookie") if h.startswith("session="))
    assert "Secure" in cookie and "HttpOnly" in cookie


def test_secret_key_is_generated_into_the_data_folder_and_not_the_repo(site):
    key = site.data_dir / "secret_key"
    assert key.is_file() and stat.S_IMODE(key.stat().st_mode) == 0o600
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    assert "secret_key" not in tracked


def test_wrong_password_is_refused_and_anonymous_teacher_pages_redirect_to_login(site):
    client = Client(site.url)
    reply = client.login("anna", "not-the-password")
    assert reply.status == 401 and "Wrong user name or password" in reply.text
    reply = client.get("/teach/new")
    assert reply.status == 302 and "/auth/login?next=" in reply.location
    assert "Please log in" in client.get(reply.location.split(site.url)[-1]).text


def test_login_redirects_back_to_the_page_asked_for_but_never_off_site(site):
    client = Client(site.url)
    client.get("/auth/login?next=/teach/new")
    reply = client.post("/auth/login?next=/teach/new", {"username": "anna", "password": PASSWORD})
    assert reply.location.endswith("/teach/new")
    other = Client(site.url)
    other.get("/auth/login")
    reply = other.post("/auth/login?next=//evil.example/x", {"username": "anna", "password": PASSWORD})
    assert reply.location.endswith("/teach/")


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_form_without_a_valid_csrf_token_gets_a_clear_400_page_and_changes_nothing(site, token):
    anna = site.client("anna")
    fields = {**LESSON, "title": "Forged lesson"}
    if token:
        fields["csrf_token"] = token
    reply = anna.post("/teach/new", fields, csrf=bool(token))
    assert reply.status == 400
    assert "This form has expired or did not come from this site" in reply.text
    assert "Nothing was changed" in reply.text
    assert "Forged lesson" not in anna.get("/teach/").text
    login = Client(site.url).post("/auth/login", {"username": "anna", "password": PASSWORD}, csrf=False)
    assert login.status == 400


THROTTLE = {
    "CONTENTSERVER_LOGIN_SLOW_AFTER": "2",
    "CONTENTSERVER_LOGIN_LOCK_AFTER": "4",
    "CONTENTSERVER_LOGIN_LOCK_SECONDS": "8",
}


def test_failed_logins_slow_down_then_lock_and_success_afterwards_is_not_slowed(start_server, tmp_path):
    site = start_site(start_server, tmp_path / "site", env=THROTTLE)
    client = Client(site.url)
    assert client.login("anna", "wrong-1").status == 401
    reply = client.login("anna", "wrong-2")
    assert reply.status == 401 and "wait 1 second" in reply.text
    reply = client.login("anna", PASSWORD)
    assert reply.status == 429 and "wait" in reply.text, "even the right password waits its turn"
    time.sleep(1.1)
    assert "wait 2 seconds" in client.login("anna", "wrong-3").text
    time.sleep(2.1)
    reply = client.login("anna", "wrong-4")
    assert "locked" in reply.text
    reply = client.login("anna", PASSWORD)
    assert reply.status == 429 and "logging in is locked for 1 minute" in reply.text
    time.sleep(8.1)
    assert client.login("anna", PASSWORD).status == 303, "once the lock has passed, the right password gets in"
    assert client.login("anna", "wrong-again").status == 401
    assert client.login("anna", PASSWORD).status == 303, "success cleared the account's failures"


def test_many_accounts_failing_from_one_address_lock_that_address(start_server, tmp_path):
    site = start_site(start_server, tmp_path / "site", env={**THROTTLE, "CONTENTSERVER_LOGIN_SLOW_AFTER": "10"})
    client = Client(site.url)
    for name in ("x1", "x2", "x3", "x4"):
        assert client.login(name, "guess").status == 401
    reply = client.login("boris", PASSWORD)
    assert reply.status == 429 and "locked" in reply.text


def test_disabling_a_teacher_ends_their_session_and_login(site):
    anna = site.client("anna")
    boss = site.client("boss")
    boss.get("/admin/")
    assert boss.post("/admin/users/2/disable").status == 303
    assert anna.get("/teach/").status == 302
    assert Client(site.url).login("anna").status == 401
    boss.get("/admin/")
    boss.post("/admin/users/2/enable")
    assert Client(site.url).login("anna").status == 303


def test_password_reset_ends_old_sessions_and_sets_the_new_password(site):
    anna = site.client("anna")
    boss = site.client("boss")
    boss.get("/admin/users/2/password")
    assert boss.post("/admin/users/2/password", {"password": "short"}).status == 400
    assert boss.post("/admin/users/2/password", {"password": "a-new-password-1"}).status == 303
    assert anna.get("/teach/").status == 302
    assert Client(site.url).login("anna").status == 401
    assert Client(site.url).login("anna", "a-new-password-1").status == 303


def test_user_add_cli_refuses_bad_input_and_prompts_without_stdin_flag(tmp_path):
    cli = str(VENV_BIN / "contentserver")
    data = str(tmp_path / "data")
    env = {**os.environ, "CONTENTSERVER_DEFAULT_LOCALE": "en"}
    short = subprocess.run(
        [cli, "user", "add", "--admin", "root", "--password-stdin", "--data", data],
        input="short\n",
        capture_output=True,
        text=True,
        env=env,
    )
    assert short.returncode == 2 and "at least 8 characters" in short.stderr
    prompted = subprocess.run(
        [cli, "user", "add", "--admin", "root", "--data", data],
        input="long-enough-1\nlong-enough-1\n",
        capture_output=True,
        text=True,
        env=env,
    )
    assert prompted.returncode == 0 and "added admin root" in prompted.stdout
    again = subprocess.run(
        [cli, "user", "add", "root", "--password-stdin", "--data", data],
        input="long-enough-1\n",
        capture_output=True,
        text=True,
        env=env,
    )
    assert again.returncode == 2 and "taken" in again.stderr


def test_admin_refuses_a_taken_or_malformed_user_name(site):
    boss = site.client("boss")
    for name, message in [("anna", "is taken"), ("Bad Name!", "lowercase letters")]:
        boss.get("/admin/")
        reply = boss.post("/admin/users", {"username": name, "password": PASSWORD})
        assert reply.status == 400 and message in reply.text, name
