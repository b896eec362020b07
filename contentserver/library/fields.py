"""The primitives every section of a manifest is checked with: the error that names a field, object references."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

MANIFEST_NAME = "manifest.json"
SHA256_RE = re.compile(r"^[0-9a-f]{64}\Z")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}\Z")


class ManifestError(Exception):
    """A library was refused; the message names the file and the field at fault."""

    def __init__(self, message: str, file: str = MANIFEST_NAME, field: str = ""):
        self.file, self.field, self.reason = file, field, message
        where = f"{file}: {field}: " if field else f"{file}: "
        super().__init__(where + message)


@dataclass(frozen=True)
class ObjectRef:
    sha256: str
    size: int


def req(obj: dict, key: str, kind: type | tuple, where: str) -> Any:
    if key not in obj:
        raise ManifestError("is missing", field=f"{where}{key}")
    value = obj[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        expected = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ManifestError(f"must be {expected}", field=f"{where}{key}")
    return value


def text(obj: dict, key: str, where: str, max_len: int) -> str:
    value = req(obj, key, str, where).strip()
    if not value or len(value) > max_len or any(ord(c) < 32 for c in value):
        raise ManifestError(f"must be 1 to {max_len} printable characters", field=f"{where}{key}")
    return value


def choice(obj: dict, key: str, where: str, choices: tuple[str, ...]) -> str:
    value = req(obj, key, str, where)
    if value not in choices:
        raise ManifestError(f"{value!r} is not one of {', '.join(choices)}", field=f"{where}{key}")
    return value


def object_ref(obj: Any, where: str) -> ObjectRef:
    if not isinstance(obj, dict):
        raise ManifestError("must be an object", field=where.rstrip("."))
    sha = req(obj, "sha256", str, where)
    if not SHA256_RE.match(sha):
        raise ManifestError("must be 64 lowercase hex digits", field=f"{where}sha256")
    size = req(obj, "size", int, where)
    if size < 0:
        raise ManifestError("must not be negative", field=f"{where}size")
    return ObjectRef(sha, size)


class _Entry(Protocol):
    @property
    def id(self) -> str: ...


E = TypeVar("E", bound=_Entry)


def entry_list(
    data: dict, key: str, since: int, version: int, parse_one: Callable[[Any, str], E], noun: str
) -> tuple[E, ...]:
    """An optional list of entries (books, channels…) with unique ids, refused in a version before the one that added
    it: each kind of entry reads the same way, only its parser differs."""
    if key not in data:
        return ()
    if version < since:
        raise ManifestError(f"needs format_version {since} or later", field=key)
    entries = tuple(parse_one(obj, f"{key}[{i}].") for i, obj in enumerate(req(data, key, list, "")))
    seen: set[str] = set()
    for i, entry in enumerate(entries):
        if entry.id in seen:
            raise ManifestError(f"{noun} id {entry.id!r} appears twice", field=f"{key}[{i}].id")
        seen.add(entry.id)
    return entries
