"""Files written whole or not at all (temporary name, fsync, rename, folder fsync): a reader, a power cut or a
stick pulled out sees the old file or the whole new one, never half of it."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


def fsync_dir(path: Path) -> None:
    """Make a rename or a new file in `path` durable (the folder's entry, not only the file's bytes)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_file(path: Path, temp_suffix: str = ".tmp") -> Iterator[BinaryIO]:
    """`with atomic_file(path) as out:` write; on leaving, the bytes are fsynced and renamed over `path`, and the
    folder fsynced. On an error the temporary file (the fixed name `path` + `temp_suffix`, so a run after a kill
    writes over its leftover) is removed and `path` is untouched."""
    temp = path.with_name(path.name + temp_suffix)
    try:
        with open(temp, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):  # (a stick pulled out: the error to report is the first one)
            temp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def atomic_write(path: Path, data: bytes, temp_suffix: str = ".tmp") -> None:
    """Write `data` to `path` whole or not at all."""
    with atomic_file(path, temp_suffix) as out:
        out.write(data)
