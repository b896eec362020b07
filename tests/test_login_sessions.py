"""Logins the server ends (issue 15 item 7): a session cookie copied before logout, "log out everywhere", a
password reset or a disable opens nothing afterwards, not even the signed-in allowance for large bodies."""

from __future__ import annotations

import sqlite3

import pytest
from teach_http import Client, RawUpload, create_lesson, start_site

MIB = 1024**2


@pytest.fixture
def site(start_server, tmp_path):
    return start_site(start_server, tmp_path / "site")


def _copy(site, client: Client) -> Client:
    """Another browser holding the same cookies (as someone who copied them would)."""
    thief = Client(site.url)
    for cookie in client.jar:
        thief.jar.set_cookie(cookie)
    return thief


def test_a_session_cookie_copied_before_logout_opens_nothing_after_it(site):
    anna = site.client("anna")
    thief = _copy(site, anna)
    assert thief.get("/teach/").status == 200
    anna.get("/teach/")
    assert anna.post("/auth/logout").status == 303
    assert thief.get("/teach/").status == 302, "the login ended on the server, not only in anna's browser"
    assert site.client("anna").get("/teach/").status == 200, "a new login works"


def test_log_out_everywhere_ends_every_login_of_the_account_only(site):
    phone, laptop, boris = site.client("anna"), site.client("anna"), site.client("boris")
    phone.get("/auth/logout")
    assert "Log out on every device" in phone.get("/auth/logout").text
    assert phone.post("/auth/logout", {"everywhere": "1"}).status == 303
    assert laptop.get("/teach/").status == 302 and phone.get("/teach/").status == 302
    assert boris.get("/teach/").status == 200, "another teacher's login stays"


@pytest.mark.parametrize("action", ["disable", "password"])
def test_disabling_or_a_reset_ends_copied_cookies_too(site, action):
    anna = site.client("anna")
    thief = _copy(site, anna)
    boss = site.client("boss")
    boss.get("/admin/")
    if action == "disable":
        assert boss.post("/admin/users/2/disable").status == 303
        boss.get("/admin/")
        assert boss.post("/admin/users/2/enable").status == 303, "enabling again revives no old login"
    else:
        boss.get("/admin/users/2/password")
        assert boss.post("/admin/users/2/password", {"password": "a-new-password-1"}).status == 303
    assert thief.get("/teach/").status == 302 and anna.get("/teach/").status == 302


def test_an_ended_login_gets_no_large_body_allowance(site):
    anna = site.client("anna")
    lesson_id = create_lesson(anna)
    thief = _copy(site, anna)
    upload = RawUpload(site, thief, lesson_id, b"\x00\x00\x00\x18ftypisom" + bytes(MIB))
    anna.get("/teach/")
    assert anna.post("/auth/logout").status == 303
    upload.send(upload.head + upload.body)
    status, text = upload.reply()
    assert status == 413, "the body was refused as an anonymous one (not spooled, then redirected to login)"


def test_an_old_data_folder_gets_the_logins_table_and_logs_in(make_app, data_dir):
    from contentserver.accounts.users import create_user
    from contentserver.db import db

    app = make_app()
    with app.app_context():
        create_user("anna", "correct-horse-42")
        db.engine.dispose()
    with sqlite3.connect(data_dir / "library.sqlite") as conn:
        conn.execute("DROP TABLE login_sessions")
        conn.execute("DELETE FROM meta WHERE key = 'schema_version'")
    client = make_app().test_client()
    client.get("/auth/login")
    with sqlite3.connect(data_dir / "library.sqlite") as conn:
        assert conn.execute("SELECT count(*) FROM login_sessions").fetchone() == (0,)
        indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "ix_login_sessions_user_id" in indexes
