"""Writing a library folder in the built form: objects first, manifest.json last."""

from __future__ import annotations

import os
from pathlib import Path

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
        tmp = dest.with_name(dest.name + ".tmp")
        with bundle.open_object(sha) as src, open(tmp, "wb") as dst:
            while chunk := src.read(CHUNK):
                dst.write(chunk)
            dst.flush()
            os.fsync(dst.fileno())
        os.replace(tmp, dest)
        written += 1
    manifest_path = out / MANIFEST_NAME
    tmp = manifest_path.with_name(MANIFEST_NAME + ".tmp")
    tmp.write_bytes(manifest_bytes(bundle.manifest))
    os.replace(tmp, manifest_path)
    return written
