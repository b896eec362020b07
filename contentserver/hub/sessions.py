"""Who is pushing: a registered school's signature, in a session it was handed, with a sequence number never
seen before — so no one else can push as the school and no request can be replayed, even across a restart."""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping

from sqlalchemy import CursorResult, delete, update

from ..db import db
from ..errors import BadRequest, Conflict, Forbidden, Unauthorized
from ..models import PushSession, School
from ..push_auth import PushAuthError, SignedRequest, verify_request

SESSION_SECONDS = 3600
NEW_SESSION = "-"  # the session header of the request that asks for one, with sequence 0
MAX_SEQUENCE = 2**63 - 1  # SQLite's largest integer (PushSession.last_seq): past it the UPDATE failed with a 500


def _school(headers: Mapping[str, str], method: str, path: str, body: bytes) -> tuple[School, SignedRequest]:
    """The registered school whose key signed this request: 401 unsigned or badly signed, 403 unknown key."""
    try:
        signed = verify_request(dict(headers), method, path, body)
    except PushAuthError as exc:
        raise Unauthorized(str(exc)) from None
    school = db.session.scalar(db.select(School).where(School.public_key == signed.public_key))
    if school is None:
        raise Forbidden(
            f"no school registered on this hub has the key {signed.public_key}; the hub's admin "
            "registers it with `contentserver school add NAME --key PUBKEY`"
        )
    return school, signed


def open_session(
    headers: Mapping[str, str], method: str, path: str, body: bytes, now: float | None = None
) -> PushSession:
    """Step 1: a new session for a signed request with session '-' and sequence 0; expired sessions go."""
    school, signed = _school(headers, method, path, body)
    if signed.session != NEW_SESSION or signed.sequence != 0:
        raise Unauthorized(f"a new session is asked for with session {NEW_SESSION!r} and sequence 0")
    now = time.time() if now is None else now
    db.session.execute(delete(PushSession).where(PushSession.expires_at < now))
    session = PushSession(id=secrets.token_hex(16), school_id=school.id, last_seq=0, expires_at=now + SESSION_SECONDS)
    db.session.add(session)
    db.session.commit()
    return session


def authenticate(headers: Mapping[str, str], method: str, path: str, body: bytes, now: float | None = None) -> School:
    """Steps 2–4: the school, once its session is live and the sequence number is above every one it used;
    the number is spent (committed) before the request does anything, so a replay is refused with 409."""
    school, signed = _school(headers, method, path, body)
    if signed.sequence > MAX_SEQUENCE:
        raise BadRequest(f"the sequence number {signed.sequence} is above the largest a session takes ({MAX_SEQUENCE})")
    now = time.time() if now is None else now
    session = db.session.get(PushSession, signed.session)
    if session is None or session.school_id != school.id or session.expires_at < now:
        raise Conflict("the push session is unknown or expired: ask for a new one (POST push/session)")
    spent = db.session.execute(
        update(PushSession)
        .where(PushSession.id == session.id, PushSession.last_seq < signed.sequence)
        .values(last_seq=signed.sequence)
    )
    db.session.commit()
    assert isinstance(spent, CursorResult)  # an UPDATE's result (Session.execute is annotated with the base class)
    if spent.rowcount != 1:
        raise Conflict(
            f"sequence number {signed.sequence} was already used in this session (a replay?): "
            "each request needs a higher one"
        )
    return school
