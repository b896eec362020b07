"""Opening a library folder — built (manifest.json + objects/) or source form (library.toml)."""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from .format import MANIFEST_NAME, Manifest, ManifestError, manifest_bytes, object_relpath, parse_manifest
from .source import SOURCE_HEADER, read_source


@dataclass
class LibraryBundle:
    """A validated manifest and where to read each of its objects from."""

    manifest: Manifest
    manifest_sha256: str
    root: Path
    sources: dict[str, Path | bytes] = field(default_factory=dict)

    def object_path(self, sha256: str) -> Path:
        """The file holding an object in a built library folder."""
        return self.root / object_relpath(sha256)

    def open_object(self, sha256: str) -> BinaryIO:
        """A stream of the object's bytes; a missing object is refused naming its file."""
        source = self.sources.get(sha256, self.object_path(sha256))
        if isinstance(source, bytes):
            return io.BytesIO(source)
        try:
            return open(source, "rb")
        except FileNotFoundError:
            raise ManifestError("is missing", file=self.describe(sha256)) from None
        except OSError as exc:
            raise ManifestError(f"cannot be read ({exc.strerror})", file=self.describe(sha256)) from None

    def has_object(self, sha256: str) -> bool:
        """Whether the folder holds the object (a video's original may be left out when its low copy is there)."""
        return sha256 in self.sources or self.object_path(sha256).is_file()

    def describe(self, sha256: str) -> str:
        source = self.sources.get(sha256, self.object_path(sha256))
        return str(source) if isinstance(source, Path) else f"body {sha256[:12]}"


def open_library(path: Path, max_manifest_bytes: int, max_lessons: int) -> LibraryBundle:
    """Read and validate the library at `path`, in either form; refuse it with a ManifestError."""
    path = Path(path)
    manifest_path = path / MANIFEST_NAME
    if manifest_path.is_file():
        size = manifest_path.stat().st_size
        if size <= max_manifest_bytes:
            with open(manifest_path, "rb") as stream:
                raw = stream.read(max_manifest_bytes + 1)  # bounded, even if the file grows meanwhile
            size = len(raw)
        if size > max_manifest_bytes:
            raise ManifestError(f"is {size} bytes; at most {max_manifest_bytes} are accepted")
        return LibraryBundle(parse_manifest(raw, max_lessons), hashlib.sha256(raw).hexdigest(), path)
    if (path / SOURCE_HEADER).is_file():
        manifest, sources = read_source(path, max_lessons)
        return LibraryBundle(manifest, hashlib.sha256(manifest_bytes(manifest)).hexdigest(), path, sources)
    raise ManifestError(f"no {MANIFEST_NAME} (built library) or {SOURCE_HEADER} (source form) here", file=str(path))
