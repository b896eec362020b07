"""Login throttling: after a few failures per account or address each try must wait longer, then a lock."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from sqlalchemy import delete, func, select

from ..db import db
from ..models import LoginFailure

MAX_DELAY_SECONDS = 60


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


def _failures(column, value: str, since: float) -> tuple[int, float]:
    count, last = db.session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(column == value, LoginFailure.at >= since)
    ).one()
    return count or 0, last or 0.0


def _verdict_for(count: int, last: float, rules: ThrottleRules, now: float) -> Verdict:
    if count >= rules.lock_after:
        return Verdict(math.ceil(last + rules.lock_seconds - now), locked=True)
    if count >= rules.slow_after:
        delay = min(2 ** (count - rules.slow_after), MAX_DELAY_SECONDS)
        return Verdict(math.ceil(last + delay - now))
    return Verdict()


def check(username: str, address: str, rules: ThrottleRules, now: float | None = None) -> Verdict:
    """May this account be tried from this address now? The stricter of the two counts decides."""
    now = time.time() if now is None else now
    since = now - rules.lock_seconds
    verdicts = [
        _verdict_for(*_failures(LoginFailure.username, username.strip().lower(), since), rules, now),
        _verdict_for(*_failures(LoginFailure.address, address, since), rules, now),
    ]
    worst = max(verdicts, key=lambda v: (v.locked and v.wait_seconds > 0, v.wait_seconds))
    return worst if not worst.allowed else Verdict()


def record_failure(username: str, address: str, rules: ThrottleRules, now: float | None = None) -> None:
    """Count a failed login and forget failures older than the lock period."""
    now = time.time() if now is None else now
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < now - rules.lock_seconds))
    db.session.add(LoginFailure(username=username.strip().lower()[:40], address=address[:64], at=now))
    db.session.commit()


def record_success(username: str) -> None:
    """A successful login clears that account's failures (an address's failures on other accounts stay)."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.username == username.strip().lower()))
    db.session.commit()
