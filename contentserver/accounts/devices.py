"""Known devices: a signed, long-lived cookie a browser gets when an account logs in on it, so that other
people's failed logins on that account never slow or lock the teacher's own phone or laptop (throttle.py)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadData, URLSafeTimedSerializer

COOKIE_NAME = "known_device"
COOKIE_PATH = "/auth/"  # only the login needs it: never sent with students' page views
MAX_AGE_SECONDS = 400 * 24 * 3600  # the longest a browser keeps a cookie; each login renews it
MAX_ACCOUNTS = 8  # a shared staff-room computer: the accounts logged in on it, most recent first
_SALT = "contentserver-known-device"


@dataclass(frozen=True)
class KnownDevice:
    """This browser's random id and the accounts that logged in on it."""

    device_id: str
    usernames: tuple[str, ...]

    def knows(self, username: str) -> bool:
        return username.strip().lower() in self.usernames


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def read(value: str | None, secret_key: str) -> KnownDevice | None:
    """The device a cookie names, if this server signed it within MAX_AGE_SECONDS; anything else is no device."""
    if not value:
        return None
    try:
        data = _serializer(secret_key).loads(value, max_age=MAX_AGE_SECONDS)
    except BadData:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("d"), str) or not isinstance(data.get("u"), list):
        return None
    return KnownDevice(data["d"][:32], tuple(str(name) for name in data["u"][:MAX_ACCOUNTS]))


def after_login(device: KnownDevice | None, username: str, secret_key: str) -> str:
    """The cookie value to set after `username` logged in on this browser (a new device if it had none)."""
    name = username.strip().lower()
    device_id = device.device_id if device else secrets.token_urlsafe(16)
    others = [known for known in (device.usernames if device else ()) if known != name]
    return _serializer(secret_key).dumps({"d": device_id, "u": [name, *others][:MAX_ACCOUNTS]})
