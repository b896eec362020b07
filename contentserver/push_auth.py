"""Signed push requests (docs/push.md): a school signs every request with its key, so no one else can push as it."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from nacl.signing import SigningKey

PROTOCOL = "contentserver-push/1"
KEY_HEADER = "X-Push-Key"  # the school's public key, 64 hex digits
SESSION_HEADER = "X-Push-Session"  # a session the hub handed out (32 hex digits)
SEQUENCE_HEADER = "X-Push-Seq"  # strictly rising within a session: a replayed request is refused
SIGNATURE_HEADER = "X-Push-Signature"  # ed25519 over canonical(), 128 hex digits


class PushAuthError(ValueError):
    """A push request whose signature headers are missing, malformed or wrong."""


@dataclass(frozen=True)
class SignedRequest:
    """What a hub learns from a well-formed, correctly signed request: who, in which session, which number."""

    public_key: str
    session: str
    sequence: int


def canonical(method: str, path: str, session: str, sequence: int, body: bytes) -> bytes:
    """The bytes a school signs: protocol, method, path (with query), session, sequence and the body's sha256."""
    digest = hashlib.sha256(body).hexdigest()
    return "\n".join((PROTOCOL, method.upper(), path, session, str(sequence), digest)).encode("utf-8")


def sign_request(key: SigningKey, method: str, path: str, session: str, sequence: int, body: bytes) -> dict[str, str]:
    """The headers a school adds to one push request."""
    from .library.signing import public_key_hex  # PyNaCl loaded when a push is signed or checked, not at start

    signature = key.sign(canonical(method, path, session, sequence, body)).signature
    return {
        KEY_HEADER: public_key_hex(key),
        SESSION_HEADER: session,
        SEQUENCE_HEADER: str(sequence),
        SIGNATURE_HEADER: signature.hex(),
    }


def verify_request(headers: dict[str, str], method: str, path: str, body: bytes) -> SignedRequest:
    """Check one request's signature against the key it names; the caller checks the key is a known school's
    and that the session and sequence are fresh."""
    from nacl.exceptions import BadSignatureError, CryptoError  # PyNaCl: only a hub checks pushes

    from .library.signing import parse_public_key

    try:
        public_key = headers[KEY_HEADER].strip().lower()
        session = headers[SESSION_HEADER].strip()
        sequence = int(headers[SEQUENCE_HEADER])
        signature = bytes.fromhex(headers[SIGNATURE_HEADER].strip())
    except KeyError as exc:
        raise PushAuthError(f"the request is not signed: header {exc.args[0]} is missing") from None
    except ValueError:
        raise PushAuthError("the request's signature headers are malformed") from None
    if sequence < 0 or len(signature) != 64:
        raise PushAuthError("the request's signature headers are malformed")
    try:
        parse_public_key(public_key).verify(canonical(method, path, session, sequence, body), signature)
    except ValueError as exc:
        raise PushAuthError(str(exc)) from None
    except (BadSignatureError, CryptoError):
        raise PushAuthError("the request's signature does not match its key, path or body") from None
    return SignedRequest(public_key, session, sequence)
