"""Writing a library folder in the built form: objects first, manifest.json last."""

from __future__ import annotations

from pathlib import Path

from .atomic import atomic_file, atomic_write
from .bundle import LibraryBundle
from .format import MANIFEST_NAME, manifest_bytes, object_relpath
from .objects import CHUNK


def write_library(bundle: LibraryBundle, out: Path) -> int:
    """Write `bundle` into `out` (created if needed); returns the number of objects written."""
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for sha, size in sorted(bundle.manifest.objects().items()):
        dest = out / object_relpath(sha)
        if dest.is_file() and dest.stat().st_size == size:
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        with bundle.open_object(sha) as src, atomic_file(dest) as dst:
            while chunk := src.read(CHUNK):
                dst.write(chunk)
        written += 1
    atomic_write(out / MANIFEST_NAME, manifest_bytes(bundle.manifest))  # last: a folder with one is complete
    return written
