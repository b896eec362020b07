"""The content-addressed object store: files named by their sha256, written once, never changed."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from .atomic import fsync_dir
from .format import SHA256_RE, ManifestError, object_relpath

CHUNK = 256 * 1024


class ObjectStore:
    """objects/ab/cdef… under the data folder; every write is verified, fsynced and renamed into place."""

    def __init__(self, data_dir: Path):
        self.root = Path(data_dir) / "objects"
        self.staging = Path(data_dir) / "staging"
        self._base = str(Path(data_dir))
        self.root.mkdir(parents=True, exist_ok=True)
        self.staging.mkdir(parents=True, exist_ok=True)

    def path(self, sha256: str) -> Path:
        """Where an object lives; refuses anything that is not a sha256, so no name can escape."""
        if not SHA256_RE.match(sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        return self.root.parent / object_relpath(sha256)

    def filename(self, sha256: str) -> str:
        """path() as a string, for hot paths: a Path interns its parts, i.e. keeps every sha256 asked for good, so
        the memory of a long-running server would grow with the lessons searched (docs/performance.md)."""
        if not SHA256_RE.match(sha256):
            raise ValueError(f"not a sha256: {sha256!r}")
        return os.path.join(self._base, object_relpath(sha256))

    def has(self, sha256: str) -> bool:
        return os.path.isfile(self.filename(sha256))

    def put_stream(self, stream: BinaryIO, sha256: str, size: int, source: str = "object") -> Path:
        """Copy a stream into the store if it has exactly `size` bytes hashing to `sha256`."""
        final = self.path(sha256)
        if final.is_file():
            return final
        fd, tmp_name = tempfile.mkstemp(dir=self.staging, prefix="put-", suffix=".tmp")
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in verified_chunks(stream, sha256, size, source):
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            return self.adopt(tmp, sha256)
        finally:
            tmp.unlink(missing_ok=True)

    def adopt(self, tmp: Path, sha256: str) -> Path:
        """Rename a fsynced file in staging into place as `sha256`, the hash its writer took of exactly its bytes."""
        final = self.path(sha256)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(tmp, final)
        fsync_dir(final.parent)
        return final

    def put_file(self, src: Path, sha256: str, size: int) -> Path:
        with open(src, "rb") as stream:
            return self.put_stream(stream, sha256, size, source=str(src))

    def put_bytes(self, data: bytes) -> str:
        """Store bytes whose hash we compute ourselves; returns the sha256."""
        sha256 = hashlib.sha256(data).hexdigest()
        if not self.has(sha256):
            self.put_stream(io.BytesIO(data), sha256, len(data))
        return sha256

    def read_bytes(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def __iter__(self) -> Iterator[str]:
        for sub in sorted(self.root.iterdir()):
            for item in sorted(sub.iterdir()):
                yield sub.name + item.name


def verified_chunks(stream: BinaryIO, sha256: str, size: int, source: str = "object") -> Iterator[bytes]:
    """The stream's chunks; a ManifestError naming `source` unless it is exactly `size` bytes hashing to `sha256`."""
    digest = hashlib.sha256()
    seen = 0
    while chunk := stream.read(CHUNK):
        seen += len(chunk)
        if seen > size:
            raise ManifestError(f"has more than the {size} bytes the manifest declares", file=source)
        digest.update(chunk)
        yield chunk
    if seen != size:
        raise ManifestError(f"has {seen} bytes, the manifest declares {size}", file=source)
    if digest.hexdigest() != sha256:
        raise ManifestError(f"content does not match its sha256 {sha256}", file=source)


def sha256_file(path: Path) -> str:
    """The sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
