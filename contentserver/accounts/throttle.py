"""Login throttling that an attacker cannot turn against a teacher (docs/teachers.md "Login throttling").

Failures are counted per source and account, where the source is the client's address, or the device when a
known-device cookie for that account came with the try (accounts/devices.py). A source that keeps failing on one
account is slowed, then locked: only that source. An address failing on many accounts is slowed, then locked:
only that address. Failures on an account from all unknown sources together only slow the next unknown source,
never lock it, and a known device is not slowed by them at all. The check and the record of a try are one SQLite
write transaction (BEGIN IMMEDIATE), so concurrent tries cannot all pass one check (issue 15 item 5).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, insert, select, update

from ..db import db
from ..models import LoginFailure

MAX_DELAY_SECONDS = 60
DEVICE_PREFIX = "device:"  # a source that is a known device, not an address


@dataclass(frozen=True)
class ThrottleRules:
    slow_after: int
    lock_after: int
    lock_seconds: int

    @classmethod
    def from_config(cls, config) -> ThrottleRules:
        return cls(config["LOGIN_SLOW_AFTER"], config["LOGIN_LOCK_AFTER"], config["LOGIN_LOCK_SECONDS"])


@dataclass(frozen=True)
class Verdict:
    """Whether a login may be tried now; if not, how long to wait and whether it is a lock."""

    wait_seconds: int = 0
    locked: bool = False

    @property
    def allowed(self) -> bool:
        return self.wait_seconds <= 0


@dataclass(frozen=True)
class Attempt:
    """A try that passed the check and is already counted as a failure until it turns out right."""

    username: str
    source: str
    row_id: int


def source_of(address: str, device_id: str | None, secret: str) -> str:
    """What failures are counted against: the known device if there is one, else the address — each as a keyed
    hash, so the database never holds a client's address or device id (issue 23), and a rainbow table of the
    four billion IPv4 addresses does not give them back without the server's key."""
    if device_id:
        return DEVICE_PREFIX + _keyed(secret, "device", device_id)
    return "address:" + _keyed(secret, "address", address)


def _keyed(secret: str, kind: str, value: str) -> str:
    return hmac.new(secret.encode(), f"{kind}\0{value}".encode(), hashlib.sha256).hexdigest()[:40]


def _name(username: str) -> str:
    return username.strip().lower()[:40]


def _failures(conn: Connection, since: float, *conditions) -> tuple[int, float]:
    count, last = conn.execute(
        select(func.count(), func.max(LoginFailure.at)).where(LoginFailure.at >= since, *conditions)
    ).one()
    return count or 0, last or 0.0


def _slowed(count: int, last: float, slow_after: int, now: float) -> Verdict:
    if count < slow_after:
        return Verdict()
    return Verdict(math.ceil(last + min(2 ** (count - slow_after), MAX_DELAY_SECONDS) - now))


def _slowed_or_locked(count: int, last: float, rules: ThrottleRules, now: float) -> Verdict:
    if count >= rules.lock_after:
        return Verdict(math.ceil(last + rules.lock_seconds - now), locked=True)
    return _slowed(count, last, rules.slow_after, now)


def _verdict(conn: Connection, username: str, source: str, rules: ThrottleRules, now: float) -> Verdict:
    """The strictest of the rules that apply to this source and account (see the module's docstring)."""
    since = now - rules.lock_seconds
    pair = _failures(conn, since, LoginFailure.username == username, LoginFailure.address == source)
    verdicts = [_slowed_or_locked(*pair, rules, now)]
    if not source.startswith(DEVICE_PREFIX):
        verdicts.append(_slowed_or_locked(*_failures(conn, since, LoginFailure.address == source), rules, now))
        # everyone's failures on this account: past the lock count they slow an unknown source, never lock it
        account = _failures(conn, since, LoginFailure.username == username)
        verdicts.append(_slowed(*account, rules.lock_after, now))
    blocking = [verdict for verdict in verdicts if not verdict.allowed]
    return max(blocking, key=lambda v: (v.locked, v.wait_seconds)) if blocking else Verdict()


def check(username: str, source: str, rules: ThrottleRules, now: float | None = None) -> Verdict:
    """May this account be tried from this source now (without counting a try)?"""
    now = time.time() if now is None else now
    with db.engine.connect() as conn:
        return _verdict(conn, _name(username), source, rules, now)


def begin_attempt(username: str, source: str, rules: ThrottleRules, now: float | None = None) -> Attempt | Verdict:
    """Check and count a try in one write transaction: an Attempt to check the password for, or the refusal.

    The try is recorded as a failure before the password is checked; a right password takes it back
    (succeeded), so N concurrent tries against a limit of N-1 check at most N-1 passwords."""
    now = time.time() if now is None else now
    name = _name(username)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # the write lock first: no other try reads between check and count
        verdict = _verdict(conn, name, source, rules, now)
        if not verdict.allowed:
            conn.rollback()
            return verdict
        conn.execute(delete(LoginFailure).where(LoginFailure.at < now - rules.lock_seconds))
        row_id = conn.execute(
            insert(LoginFailure).values(username=name, address=source, at=now).returning(LoginFailure.id)
        ).scalar_one()
        conn.commit()
    return Attempt(name, source, row_id)


def failed(attempt: Attempt, now: float | None = None) -> None:
    """A wrong password: the wait that follows counts from the answer, not from when the check began."""
    with db.engine.begin() as conn:
        conn.execute(
            update(LoginFailure).where(LoginFailure.id == attempt.row_id).values(at=time.time() if now is None else now)
        )


def succeeded(attempt: Attempt) -> None:
    """A right password: that source's failures on the account go (other sources' failures stay counted)."""
    with db.engine.begin() as conn:
        ours = (LoginFailure.username == attempt.username, LoginFailure.address == attempt.source)
        conn.execute(delete(LoginFailure).where(*ours))
