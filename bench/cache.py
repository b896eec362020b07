"""Big bench inputs are built once into a cache outside the repo, atomically and under a lock."""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
from collections.abc import Callable
from pathlib import Path

# Not CONTENTSERVER_*: the server refuses unknown settings in its environment, and benches pass theirs on.
CACHE_ENV = "BENCH_CACHE_DIR"


def cache_root() -> Path:
    """~/.cache/contentserver-bench, or $BENCH_CACHE_DIR."""
    root = Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "contentserver-bench")
    root.mkdir(parents=True, exist_ok=True)
    return root


def digest(*parts: bytes | str) -> str:
    """A short stable hash of the inputs that decide a cached folder's content."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8") if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()[:12]


def cached_folder(name: str, build: Callable[[Path], None]) -> Path:
    """The folder `name` in the cache, made by `build(tmp)` into a temporary folder and renamed into place.

    A lock file serialises concurrent benches, so two runs never build the same folder at once; a build that
    fails or is interrupted leaves no folder behind, only its temporary one, which the next build removes.
    """
    root = cache_root()
    final = root / name
    if final.is_dir():
        return final
    _remove_orphans(root)
    with open(root / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if final.is_dir():
            return final
        tmp = root / f".tmp-{name}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        try:
            build(tmp)
            os.rename(tmp, final)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return final


def _remove_orphans(root: Path) -> None:
    """Remove temporary folders that no running build holds (left by a build that was killed)."""
    for tmp in root.glob(".tmp-*"):
        with open(root / f"{tmp.name[len('.tmp-') :]}.lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            shutil.rmtree(tmp, ignore_errors=True)
