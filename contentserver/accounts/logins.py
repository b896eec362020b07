"""Logins the server can end (issue 15 item 7): each is a row the signed session cookie names by a random id, so
logout, "log out everywhere", disabling and a password reset end it at once, even for a cookie copied before."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable

from sqlalchemy import Engine, delete, select

from ..db import db
from ..models import LoginSession, User


def start(user: User, lifetime_seconds: float, now: float | None = None) -> str:
    """A new login for `user` (commits); the user's get_id() now names it. Logins older than any session
    cookie can be (Flask's permanent_session_lifetime) are forgotten."""
    now = time.time() if now is None else now
    db.session.execute(delete(LoginSession).where(LoginSession.started_at < now - lifetime_seconds))
    user.login_session = secrets.token_urlsafe(24)
    db.session.add(LoginSession(id=user.login_session, user_id=user.id, started_at=now))
    db.session.commit()
    return user.get_id()


def _parse(value: str) -> tuple[int, str] | None:
    user_id, _, login_id = value.partition(":")
    return (int(user_id), login_id) if user_id.isdigit() and login_id else None


def user_for(value: str) -> User | None:
    """The enabled account whose live login a session cookie's `<user id>:<login id>` names, or None."""
    parsed = _parse(value)
    login = db.session.get(LoginSession, parsed[1]) if parsed else None
    if parsed is None or login is None or login.user_id != parsed[0]:
        return None
    user = db.session.get(User, login.user_id)
    if user is None or user.disabled:
        return None
    user.login_session = login.id
    return user


def end(user: User) -> None:
    """End the login this request's user came with (the caller commits)."""
    db.session.execute(delete(LoginSession).where(LoginSession.id == user.login_session))


def end_all(user: User) -> None:
    """End every login of the account, in every browser (the caller commits)."""
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id))


def live_checker(engine: Engine) -> Callable[[str], bool]:
    """A check, usable outside any request (waitress's parser), that a session's login is still live."""

    def live(value: str) -> bool:
        parsed = _parse(value)
        if parsed is None:
            return False
        query = (
            select(LoginSession.id)
            .join(User, User.id == LoginSession.user_id)
            .where(LoginSession.id == parsed[1], User.id == parsed[0], User.disabled.is_(False))
        )
        with engine.connect() as conn:
            return conn.execute(query).first() is not None

    return live
