"""The hub folder's transport form (format version 2): a small signed head, manifest deltas and packs."""
from __future__ import annotations

import dataclasses
import gzip
import hashlib
import io
import json
import zlib
from dataclasses import dataclass
from typing import Any, BinaryIO, Iterator

from .format import (FORMAT_NAME, ID_RE, SHA256_RE, Manifest, ManifestError, manifest_bytes, manifest_to_dict,
                     parse_manifest)

HUB_FORMAT = "contentserver-hub"
HUB_FORMAT_VERSION = 2
HEAD_NAME = "head.signed"
MAX_HEAD_BYTES = 64 * 1024
MAX_DELTAS = 16
PACK_OBJECT_MAX = 256 * 1024   # objects up to this size travel in packs; bigger ones alone, in ranges
GZIP_LEVEL = 9


def transfer_relpath(sha256: str) -> str:
    """Where a transport file (compressed manifest, delta or pack) named by its own sha256 lives."""
    return f"t/{sha256}"


@dataclass(frozen=True)
class FileRef:
    """A transport file: its sha256 (which is also its name) and its size on the hub."""

    sha256: str
    size: int


@dataclass(frozen=True)
class PackRef(FileRef):
    raw: int = 0        # bytes of the objects inside, uncompressed
    count: int = 0


@dataclass(frozen=True)
class DeltaRef(FileRef):
    base: str = ""      # sha256 of the manifest the delta applies to
    pack: PackRef | None = None


@dataclass(frozen=True)
class Head:
    library_id: str
    version: int
    created: str
    manifest_sha256: str
    manifest_size: int
    manifest_file: FileRef
    pack: PackRef | None
    deltas: tuple[DeltaRef, ...]

    def files(self) -> list[FileRef]:
        """Every transport file the head refers to."""
        out: list[FileRef] = [self.manifest_file, *([self.pack] if self.pack else [])]
        for delta in self.deltas:
            out += [delta, *([delta.pack] if delta.pack else [])]
        return out


def _field(obj: Any, key: str, kind: type, where: str) -> Any:
    value = obj.get(key) if isinstance(obj, dict) else None
    if not isinstance(value, kind) or (kind is int and (isinstance(value, bool) or value < 0)):
        raise ManifestError(f"must be {'a non-negative ' if kind is int else ''}{kind.__name__}",
                            file=HEAD_NAME, field=f"{where}{key}")
    return value


def _sha(obj: Any, key: str, where: str) -> str:
    value = _field(obj, key, str, where)
    if not SHA256_RE.match(value):
        raise ManifestError("must be 64 lowercase hex digits", file=HEAD_NAME, field=f"{where}{key}")
    return value


def _file(obj: Any, where: str) -> FileRef:
    return FileRef(_sha(obj, "sha256", where), _field(obj, "size", int, where))


def _pack(obj: Any, where: str) -> PackRef | None:
    if obj is None:
        return None
    ref = _file(obj, where)
    return PackRef(ref.sha256, ref.size, _field(obj, "raw", int, where), _field(obj, "count", int, where))


def parse_head(raw: bytes, max_manifest_bytes: int) -> Head:
    """Decode and check a head's JSON (already signature-checked); refuse versions we do not read."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ManifestError("is not UTF-8 JSON", file=HEAD_NAME) from None
    if not isinstance(data, dict) or data.get("format") != HUB_FORMAT:
        raise ManifestError(f"must be {HUB_FORMAT!r}", file=HEAD_NAME, field="format")
    format_version = _field(data, "format_version", int, "")
    if format_version != HUB_FORMAT_VERSION:
        raise ManifestError(f"is hub format version {format_version}; this contentserver reads version "
                            f"{HUB_FORMAT_VERSION} — " + ("upgrade contentserver to sync from this hub"
                                                          if format_version > HUB_FORMAT_VERSION
                                                          else "the hub must publish again"),
                            file=HEAD_NAME, field="format_version")
    library_id = _field(data, "library_id", str, "")
    if not ID_RE.match(library_id):
        raise ManifestError("must be lowercase letters, digits and '-'", file=HEAD_NAME, field="library_id")
    manifest = data.get("manifest")
    size = _field(manifest, "size", int, "manifest.")
    if size > max_manifest_bytes:
        raise ManifestError(f"declares a manifest of {size} bytes; at most {max_manifest_bytes} are accepted",
                            file=HEAD_NAME, field="manifest.size")
    deltas = data.get("deltas", [])
    if not isinstance(deltas, list) or len(deltas) > MAX_DELTAS:
        raise ManifestError(f"must be a list of at most {MAX_DELTAS}", file=HEAD_NAME, field="deltas")
    return Head(
        library_id=library_id, version=_field(data, "version", int, ""), created=_field(data, "created", str, ""),
        manifest_sha256=_sha(manifest, "sha256", "manifest."), manifest_size=size,
        manifest_file=_file(manifest.get("file"), "manifest.file."), pack=_pack(data.get("pack"), "pack."),
        deltas=tuple(DeltaRef(d.sha256, d.size, _sha(raw_d, "base", f"deltas[{i}]."),
                              _pack(raw_d.get("pack"), f"deltas[{i}].pack."))
                     for i, raw_d in enumerate(deltas) for d in [_file(raw_d, f"deltas[{i}].")]))


def head_bytes(head: Head) -> bytes:
    """The head's canonical JSON (the message that gets signed)."""
    def pack(p: PackRef | None) -> dict | None:
        return None if p is None else {"sha256": p.sha256, "size": p.size, "raw": p.raw, "count": p.count}

    return json.dumps({
        "format": HUB_FORMAT, "format_version": HUB_FORMAT_VERSION, "library_id": head.library_id,
        "version": head.version, "created": head.created,
        "manifest": {"sha256": head.manifest_sha256, "size": head.manifest_size,
                     "file": {"sha256": head.manifest_file.sha256, "size": head.manifest_file.size}},
        "pack": pack(head.pack),
        "deltas": [{"sha256": d.sha256, "size": d.size, "base": d.base, "pack": pack(d.pack)} for d in head.deltas],
    }, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sorted_manifest(manifest: Manifest) -> Manifest:
    """A hub manifest lists lessons by id, so a delta can be applied without an order list."""
    return dataclasses.replace(manifest, lessons=tuple(sorted(manifest.lessons, key=lambda lesson: lesson.id)))


def gzip_bytes(data: bytes) -> bytes:
    """Deterministic gzip (no name, no time), so the same content always has the same name."""
    return gzip.compress(data, compresslevel=GZIP_LEVEL, mtime=0)


def gunzip_bounded(data: bytes, limit: int, file: str) -> bytes:
    """Decompress at most `limit` bytes; a bomb or a broken stream is refused."""
    decompressor = zlib.decompressobj(wbits=31)
    try:
        out = decompressor.decompress(data, limit + 1)
    except zlib.error:
        raise ManifestError("is not a valid gzip stream", file=file) from None
    if len(out) > limit or decompressor.unconsumed_tail:
        raise ManifestError(f"expands to more than the {limit} bytes declared", file=file)
    return out


def make_delta(base: Manifest, new: Manifest) -> bytes:
    """The JSON delta that turns `base` into `new`: changed or added lessons, and removed ids."""
    old = {lesson["id"]: lesson for lesson in manifest_to_dict(base)["lessons"]}
    new_dict = manifest_to_dict(new)
    upsert = [lesson for lesson in new_dict["lessons"] if old.get(lesson["id"]) != lesson]
    keep = {lesson["id"] for lesson in new_dict["lessons"]}
    return json.dumps({
        "base": hashlib.sha256(manifest_bytes(base)).hexdigest(),
        "header": {k: v for k, v in new_dict.items() if k != "lessons"},
        "upsert": upsert, "remove": sorted(set(old) - keep),
    }, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def apply_delta(base_raw: bytes, delta_raw: bytes, max_lessons: int) -> bytes:
    """The new manifest's bytes; the caller checks them against the signed head's sha256."""
    file = "manifest delta"
    try:
        delta = json.loads(delta_raw.decode("utf-8"))
        base = json.loads(base_raw.decode("utf-8"))
        lessons = {lesson["id"]: lesson for lesson in base["lessons"]}
        for lesson_id in delta["remove"]:
            lessons.pop(lesson_id, None)
        for lesson in delta["upsert"]:
            lessons[lesson["id"]] = lesson
        if len(lessons) > max_lessons:
            raise ManifestError(f"lists more than {max_lessons} lessons", file=file)
        merged = dict(delta["header"], lessons=[lessons[k] for k in sorted(lessons)])
    except (UnicodeDecodeError, ValueError, RecursionError, KeyError, TypeError):
        raise ManifestError("does not fit the format (JSON with base, header, upsert, remove)", file=file) from None
    if merged.get("format") != FORMAT_NAME:
        raise ManifestError("does not describe a library", file=file)
    return json.dumps(merged, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def check_manifest(raw: bytes, head: Head, max_lessons: int) -> Manifest:
    """Bytes of a manifest accepted only if they are the ones the signed head names."""
    if hashlib.sha256(raw).hexdigest() != head.manifest_sha256:
        raise ManifestError("does not match the sha256 in the signed head", file="manifest.json")
    manifest = parse_manifest(raw, max_lessons)
    if (manifest.library_id, manifest.version) != (head.library_id, head.version):
        raise ManifestError("names another library or version than the signed head", file="manifest.json")
    return manifest


def pack_members(manifest: Manifest, base: Manifest | None = None) -> dict[str, int]:
    """What a pack holds by definition: the small objects of `manifest` that `base` did not have."""
    old = base.objects() if base else {}
    return {sha: size for sha, size in manifest.objects().items() if size <= PACK_OBJECT_MAX and sha not in old}


def write_pack(members: dict[str, int], read_object, out: BinaryIO) -> int:
    """Write a pack: one gzip stream of records `<sha256> <size>\\n<bytes>`; returns the raw byte count."""
    raw = 0
    with gzip.GzipFile(fileobj=out, mode="wb", compresslevel=GZIP_LEVEL, mtime=0) as stream:
        for sha, size in members.items():
            stream.write(f"{sha} {size}\n".encode())
            stream.write(read_object(sha))
            raw += size
    return raw


class _Limited(io.RawIOBase):
    """A read-only window of exactly `size` bytes of a stream."""

    def __init__(self, stream: BinaryIO, size: int):
        self.stream, self.left = stream, size

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self.left if n < 0 else min(n, self.left)
        data = self.stream.read(n) if n else b""
        self.left -= len(data)
        return data


def read_pack(stream: BinaryIO, expected: dict[str, int], file: str) -> Iterator[tuple[str, int, BinaryIO]]:
    """Yield (sha256, size, exact-size stream) for each record; anything the definition does not list is refused."""
    with gzip.GzipFile(fileobj=stream, mode="rb") as unpacked:
        try:
            while line := unpacked.readline(80):
                parts = line.decode("ascii").rstrip("\n").split(" ")
                sha, size = parts[0], int(parts[1])
                if expected.get(sha) != size:
                    raise ManifestError(f"holds object {sha[:16]}… of {size} bytes that it should not", file=file)
                window = _Limited(unpacked, size)
                yield sha, size, window
                while window.read(65536):
                    pass
        except (UnicodeDecodeError, ValueError, IndexError, EOFError, OSError, zlib.error) as exc:
            raise ManifestError(f"is not a valid pack ({exc.__class__.__name__})", file=file) from None
