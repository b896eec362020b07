"""Accounts: argon2 password hashes, roles, disabling and password resets (which end the account's logins)."""

from __future__ import annotations

import re
import secrets
from functools import cache
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlalchemy import select

from ..db import db
from ..models import User
from . import logins

if TYPE_CHECKING:
    from argon2 import PasswordHasher

ROLES = ("admin", "teacher")
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,39}$")
MIN_PASSWORD = 8


@cache
def _hasher() -> PasswordHasher:
    """argon2, loaded by the first login or password change: a server students use never needs it (RSS)."""
    from argon2 import PasswordHasher

    return PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A hash to verify unknown names against; made on first login, not at import (cold start)."""
    return _hasher().hash(secrets.token_hex(16))


class AccountError(ValueError):
    """A username or password was refused; the message says why."""


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(_("The password needs at least %(num)s characters.", num=MIN_PASSWORD))
    if len(password) > 1024:
        raise AccountError(_("The password is too long."))


def create_user(username: str, password: str, role: str = "teacher", display_name: str = "") -> User:
    """Add an account and commit; usernames are lowercase letters, digits and . _ -."""
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise AccountError(_("A user name is 2 to 40 lowercase letters, digits, '.', '_' or '-'."))
    if role not in ROLES:
        raise AccountError(_("The role must be admin or teacher."))
    check_password_rules(password)
    if find_user(username) is not None:
        raise AccountError(_("The user name %(name)s is taken.", name=username))
    user = User(
        username=username,
        display_name=display_name.strip()[:100] or username,
        role=role,
        password_hash=_hasher().hash(password),
        disabled=False,
        session_token=secrets.token_hex(16),
    )
    db.session.add(user)
    db.session.commit()
    return user


def find_user(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username.strip().lower()))


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.role, User.username)))


def verify_login(username: str, password: str) -> User | None:
    """The enabled account these credentials open, or None; unknown names cost as much time as known ones."""
    from argon2.exceptions import InvalidHashError, VerificationError

    user = find_user(username)
    try:
        _hasher().verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled:
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = _hasher().hash(password)
        db.session.commit()
    return user


def set_password(user: User, password: str) -> None:
    """Reset a password; every existing login of the account ends."""
    check_password_rules(password)
    user.password_hash = _hasher().hash(password)
    user.session_token = secrets.token_hex(16)
    logins.end_all(user)
    db.session.commit()


def set_disabled(user: User, disabled: bool) -> None:
    """Disable or enable an account; either way its logins end at once."""
    user.disabled = disabled
    user.session_token = secrets.token_hex(16)
    logins.end_all(user)
    db.session.commit()
