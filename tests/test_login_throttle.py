"""Login throttling an attacker cannot turn against a teacher, and that no burst can race (issue 15 items 4, 5).

Clients connect from different loopback addresses (127.0.0.2 …), so the real server sees several machines."""

from __future__ import annotations

import re
import threading
import time

from teach_http import PASSWORD, Client, start_site

RULES = {
    "CONTENTSERVER_LOGIN_SLOW_AFTER": "2",
    "CONTENTSERVER_LOGIN_LOCK_AFTER": "4",
    "CONTENTSERVER_LOGIN_LOCK_SECONDS": "600",
}


def _attack(site, address: str, tries: int, patience: int = 2) -> list[int]:
    """Up to `tries` wrong passwords for anna from one address, waiting when asked to for at most `patience` s."""
    attacker, statuses = Client(site.url, source=address), []
    for i in range(tries):
        reply = attacker.login("anna", f"guess-{i}")
        statuses.append(reply.status)
        wait = re.search(r"wait (\d+) second", reply.text)
        if "locked" in reply.text or (wait and int(wait.group(1)) > patience):
            break
        if wait:
            time.sleep(int(wait.group(1)) + 0.1)
    return statuses


def test_an_attacker_locks_only_their_own_address_and_the_teacher_is_at_most_slowed(start_server, tmp_path):
    site = start_site(start_server, tmp_path / "site", env=RULES)
    assert _attack(site, "127.0.0.2", 10)[-1] == 401
    attacker = Client(site.url, source="127.0.0.2")
    reply = attacker.login("anna", PASSWORD)
    assert reply.status == 429 and "locked" in reply.text, "the guessing address stays locked, even when right"
    teacher = Client(site.url, source="127.0.0.3")  # a new phone: no known-device cookie
    reply = teacher.login("anna", PASSWORD)
    if reply.status == 429:
        assert "locked" not in reply.text, "someone else's failures never lock a teacher out"
        time.sleep(int(re.search(r"wait (\d+) second", reply.text).group(1)) + 0.1)
        reply = teacher.login("anna", PASSWORD)
    assert reply.status == 303, reply.text


def test_a_known_device_is_not_slowed_by_other_peoples_failures(start_server, tmp_path):
    site = start_site(start_server, tmp_path / "site", env=RULES)
    laptop = Client(site.url, source="127.0.0.4")
    assert laptop.login("anna").status == 303
    assert laptop.cookie("known_device") is not None
    laptop.get("/teach/")
    assert laptop.post("/auth/logout").status == 303
    for address in ("127.0.0.2", "127.0.0.4"):  # the second shares the laptop's address (a school's NAT)
        assert 401 in _attack(site, address, 6)
    assert Client(site.url, source="127.0.0.7").login("anna", "one-more-guess").status == 429, (
        "unknown machines together are slowed"
    )
    assert laptop.login("anna").status == 303, "the teacher's own laptop logs in at once"


def test_a_known_device_for_another_account_is_no_known_device_for_anna(start_server, tmp_path):
    site = start_site(start_server, tmp_path / "site", env=RULES)
    boris = Client(site.url, source="127.0.0.2")
    assert boris.login("boris").status == 303
    statuses = _attack_with(boris, 8)
    assert 429 in statuses and statuses.count(401) <= 4, statuses


def _attack_with(client: Client, tries: int) -> list[int]:
    return [client.login("anna", f"guess-{i}").status for i in range(tries)]


def test_thirty_concurrent_wrong_logins_check_at_most_the_limit_of_passwords(start_server, tmp_path):
    limit = 10
    env = {"CONTENTSERVER_LOGIN_SLOW_AFTER": str(limit), "CONTENTSERVER_LOGIN_LOCK_AFTER": str(limit)}
    site = start_site(start_server, tmp_path / "site", env=env, threads=24)
    clients = [Client(site.url, source="127.0.0.2") for _ in range(30)]
    for client in clients:
        client.get("/auth/login")  # each its own session and CSRF token
    start, statuses = threading.Barrier(len(clients)), []

    def attempt(client: Client, i: int) -> None:
        start.wait()
        statuses.append(client.post("/auth/login", {"username": "anna", "password": f"guess-{i}"}).status)

    threads = [threading.Thread(target=attempt, args=(client, i)) for i, client in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert statuses.count(401) <= limit, f"{statuses.count(401)} passwords checked against a limit of {limit}"
    assert sorted(set(statuses)) == [401, 429] and len(statuses) == 30, statuses


def test_a_known_device_cookie_is_only_one_this_server_signed_recently(monkeypatch):
    from itsdangerous import URLSafeTimedSerializer

    from contentserver.accounts import devices

    value = devices.after_login(None, "Anna", "key-1")
    device = devices.read(value, "key-1")
    assert device is not None and device.knows("anna") and not device.knows("boris")
    assert devices.read(value, "another-key") is None, "signed by another server"
    assert devices.read(value[:-2] + ("AA" if not value.endswith("AA") else "BB"), "key-1") is None, "tampered"
    assert devices.read("", "key-1") is None and devices.read("garbage", "key-1") is None
    signer = URLSafeTimedSerializer("key-1", salt="contentserver-known-device")
    issued = signer.dumps({"d": "x", "u": ["anna"]})
    assert devices.read(issued, "key-1") is not None
    later = time.time() + devices.MAX_AGE_SECONDS + 60
    with monkeypatch.context() as patch:
        patch.setattr(time, "time", lambda: later)  # the clock itsdangerous reads
        assert devices.read(issued, "key-1") is None, "past its 400 days"
    again = devices.read(devices.after_login(device, "boris", "key-1"), "key-1")
    assert again is not None and again.device_id == device.device_id and again.usernames == ("boris", "anna")
