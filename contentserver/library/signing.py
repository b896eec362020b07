"""Ed25519 keys for the hub: a school trusts one pinned public key, never what a hub says about itself."""

from __future__ import annotations

import os
from pathlib import Path

from nacl.exceptions import BadSignatureError, CryptoError
from nacl.signing import SigningKey, VerifyKey

from .format import ManifestError

KEY_DIR = "keys"
SIGNATURE_BYTES = 64


def keygen(data_dir: Path, name: str = "hub") -> tuple[Path, str]:
    """Make a key pair in the data folder's keys/ (secret key file 0600); returns (key file, public key hex)."""
    key_dir = Path(data_dir) / KEY_DIR
    key_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(key_dir, 0o700)
    path = key_dir / f"{name}.key"
    if path.exists():
        raise FileExistsError(f"{path} exists already; a key is never overwritten")
    key = SigningKey.generate()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(key.encode().hex() + "\n")
    public = key.verify_key.encode().hex()
    (key_dir / f"{name}.pub").write_text(public + "\n")
    return path, public


def load_signing_key(path: Path) -> SigningKey:
    """Read a secret key file written by keygen (64 hex digits)."""
    text = Path(path).read_text().strip()
    try:
        return SigningKey(bytes.fromhex(text))
    except (ValueError, CryptoError):
        raise ValueError(f"{path} does not hold an ed25519 secret key (64 hex digits)") from None


def parse_public_key(text: str) -> VerifyKey:
    """A pinned public key as `contentserver hub add --key` takes it: 64 hex digits."""
    try:
        raw = bytes.fromhex(text.strip())
        if len(raw) != 32:
            raise ValueError
        return VerifyKey(raw)
    except (ValueError, CryptoError):
        raise ValueError("a public key is 64 hex digits (as `contentserver keygen` prints it)") from None


def public_key_hex(key: SigningKey) -> str:
    return key.verify_key.encode().hex()


def sign_blob(key: SigningKey, message: bytes) -> bytes:
    """The signed form: 64 signature bytes followed by the message (PyNaCl's SignedMessage)."""
    return bytes(key.sign(message))


def open_signed(blob: bytes, public_key_hex_text: str, file: str) -> bytes:
    """The message of a signed blob if the pinned key signed it; otherwise refuse naming the file."""
    if len(blob) <= SIGNATURE_BYTES:
        raise ManifestError("is not signed (too short to hold a signature)", file=file)
    try:
        return parse_public_key(public_key_hex_text).verify(blob)
    except BadSignatureError:
        raise ManifestError(
            "has a bad signature, or one made by another key than the hub key pinned here; nothing was installed",
            file=file,
        ) from None
