"""Lesson ids changed while the index was outdated, kept in a file until a usable index has them (any process)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PENDING, TAKEN = "PENDING", "PENDING.taken"


def remember(root: Path, ids: list[str]) -> None:
    """Append ids to root/PENDING in one write with O_APPEND, so lines of several processes never mix."""
    fd = os.open(root / PENDING, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, "".join(f"{lesson_id}\n" for lesson_id in ids).encode())
    finally:
        os.close(fd)


@contextmanager
def taken(root: Path) -> Iterator[list[str]]:
    """The remembered ids (with any a killed process took but did not apply), forgotten once the block succeeds."""
    file = root / TAKEN
    try:
        os.replace(root / PENDING, file)
    except FileNotFoundError:
        pass
    try:
        ids = file.read_text().split()
    except FileNotFoundError:
        ids = []
    yield ids
    file.unlink(missing_ok=True)
