"""The hub folder's transport form (hub format 3): a tiny signed head that carries the newest change, and an index."""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from dataclasses import dataclass
from typing import Any

from .format import ID_RE, SHA256_RE, Manifest, ManifestError, parse_manifest
from .hubdelta import canonical_json

HUB_FORMAT = "contentserver-hub"
INDEX_FORMAT = "contentserver-hub-index"
HUB_FORMAT_VERSION = 3
HEAD_NAME = "head.signed"
MAX_HEAD_BYTES = 64 * 1024  # head.signed as sent
MAX_HEAD_RAW = 256 * 1024  # its message, decompressed
MAX_INDEX_BYTES = 256 * 1024
INLINE_MAX = 8 * 1024  # the newest change rides in the head only while the whole head stays this small
MAX_DELTAS = 16
GZIP_LEVEL = 9
HEAD_WBITS = -15  # the head's message is raw deflate (RFC 1951): the signature already covers it
# The deflate preset dictionary of the head's message: the format's own words, so a head and a one-lesson delta cost
# their values, not their keys. Part of the format: changing it is a new hub format version.
HEAD_DICTIONARY = (
    b'{"lang":"ru","name":".jpg","sha256":"","size":,"subtitles_for":".mp4","type":"image/jpeg"}video/mp4'
    b'text/vttapplication/pdfaudio/mpeg"lang":"en","script":"Latn","subject":"math","geography","history",'
    b'"language","informatics","health","title":"{"format":"contentserver-library","format_version":1,'
    b'"library_id":"","title":"","version":{"format":"contentserver-hub","format_version":3,"library_id":"",'
    b'"manifest":{"sha256":"","size":},"patch":{"base":},"version":}\n{"header":{"created":"2026-11-25T00:00:00Z",'
    b'"version":},"remove":[],"upsert":[{"attachments":[{"lang":"kk","name":".png","sha256":"","size":,'
    b'"type":"image/png"}],"body":{"sha256":"","size":},"grade":,"id":"","lang":"kk","script":"Cyrl",'
    b'"subject":"science","tags":[""],"title":""}]}\n kz1048 '
)


def transfer_relpath(sha256: str) -> str:
    """Where a transport file (compressed manifest, delta or pack) named by its own sha256 lives."""
    return f"t/{sha256}"


def index_relpath(version: int) -> str:
    """Where the signed index of a version lives: immutable, so any cache may keep it."""
    return f"i/{version}.signed"


@dataclass(frozen=True)
class FileRef:
    """A transport file: its sha256 (which is also its name) and its size on the hub."""

    sha256: str
    size: int


@dataclass(frozen=True)
class PackRef(FileRef):
    raw: int = 0  # bytes of the objects inside, uncompressed
    count: int = 0


@dataclass(frozen=True)
class DeltaRef(FileRef):
    base: str = ""  # sha256 of the manifest the delta applies to
    pack: PackRef | None = None


@dataclass(frozen=True)
class Patch:
    """The newest change, inside the head: the delta from version `base` and a pack of the objects it added."""

    base: int
    delta: bytes
    records: bytes  # pack records, uncompressed (the head's stream is compressed as a whole)


@dataclass(frozen=True)
class Head:
    library_id: str
    version: int
    manifest_sha256: str
    manifest_size: int
    patch: Patch | None = None


@dataclass(frozen=True)
class Index:
    """Where a version's whole manifest, its whole pack and its deltas from older versions are."""

    library_id: str
    version: int
    manifest_sha256: str
    manifest_size: int
    manifest_file: FileRef
    pack: PackRef | None
    deltas: tuple[DeltaRef, ...]

    def files(self) -> list[FileRef]:
        """Every transport file the index refers to."""
        out: list[FileRef] = [self.manifest_file, *([self.pack] if self.pack else [])]
        for delta in self.deltas:
            out += [delta, *([delta.pack] if delta.pack else [])]
        return out


def _field(obj: Any, key: str, kind: type, where: str, file: str) -> Any:
    value = obj.get(key) if isinstance(obj, dict) else None
    bad_int = kind is int and isinstance(value, int) and (isinstance(value, bool) or value < 0)
    if not isinstance(value, kind) or bad_int:
        raise ManifestError(
            f"must be {'a non-negative ' if kind is int else ''}{kind.__name__}", file=file, field=f"{where}{key}"
        )
    return value


def _sha(obj: Any, key: str, where: str, file: str) -> str:
    value = _field(obj, key, str, where, file)
    if not SHA256_RE.match(value):
        raise ManifestError("must be 64 lowercase hex digits", file=file, field=f"{where}{key}")
    return value


def _file(obj: Any, where: str, file: str) -> FileRef:
    return FileRef(_sha(obj, "sha256", where, file), _field(obj, "size", int, where, file))


def _pack(obj: Any, where: str, file: str) -> PackRef | None:
    if obj is None:
        return None
    ref = _file(obj, where, file)
    return PackRef(ref.sha256, ref.size, _field(obj, "raw", int, where, file), _field(obj, "count", int, where, file))


def _common(raw: bytes, kind: str, max_manifest_bytes: int, file: str) -> tuple[dict, str, int, str, int]:
    """The fields a head and an index share, checked: (data, library_id, version, manifest sha256, size)."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise ManifestError("is not UTF-8 JSON", file=file) from None
    if not isinstance(data, dict) or data.get("format") != kind:
        raise ManifestError(f"must be {kind!r}", file=file, field="format")
    format_version = _field(data, "format_version", int, "", file)
    if format_version != HUB_FORMAT_VERSION:
        raise ManifestError(
            f"is hub format version {format_version}; this contentserver reads version "
            f"{HUB_FORMAT_VERSION} — "
            + (
                "upgrade contentserver to sync from this hub"
                if format_version > HUB_FORMAT_VERSION
                else "the hub must publish again"
            ),
            file=file,
            field="format_version",
        )
    library_id = _field(data, "library_id", str, "", file)
    if not ID_RE.match(library_id):
        raise ManifestError("must be lowercase letters, digits and '-'", file=file, field="library_id")
    manifest = data.get("manifest")
    size = _field(manifest, "size", int, "manifest.", file)
    if size > max_manifest_bytes:
        raise ManifestError(
            f"declares a manifest of {size} bytes; at most {max_manifest_bytes} are accepted",
            file=file,
            field="manifest.size",
        )
    return data, library_id, _field(data, "version", int, "", file), _sha(manifest, "sha256", "manifest.", file), size


def _inflate(message: bytes) -> bytes:
    decompressor = zlib.decompressobj(wbits=HEAD_WBITS, zdict=HEAD_DICTIONARY)
    try:
        raw = decompressor.decompress(message, MAX_HEAD_RAW + 1)
    except zlib.error:
        raise ManifestError(
            "is not a deflate stream of hub format 3 (with its preset dictionary)", file=HEAD_NAME
        ) from None
    if len(raw) > MAX_HEAD_RAW or decompressor.unconsumed_tail or not decompressor.eof:
        raise ManifestError(f"expands to more than {MAX_HEAD_RAW} bytes, or is cut short", file=HEAD_NAME)
    return raw


def parse_head(message: bytes, max_manifest_bytes: int) -> Head:
    """Decompress and check a head's message (already signature-checked); refuse versions we do not read."""
    try:
        head_line, _, rest = _inflate(message).partition(b"\n")
        data, library_id, version, sha, size = _common(head_line, HUB_FORMAT, max_manifest_bytes, HEAD_NAME)
    except ManifestError:
        if message.startswith(b"{"):  # a hub format 2 head was plain JSON: say which version it is
            _common(message, HUB_FORMAT, max_manifest_bytes, HEAD_NAME)
        raise
    patch = None
    if data.get("patch") is not None:
        delta, newline, records = rest.partition(b"\n")
        if not newline:
            raise ManifestError("announces a patch but carries no delta", file=HEAD_NAME, field="patch")
        patch = Patch(_field(data["patch"], "base", int, "patch.", HEAD_NAME), delta, records)
    return Head(library_id, version, sha, size, patch)


def head_message(head: Head) -> bytes:
    """The head's message (what gets signed): raw deflate, with HEAD_DICTIONARY, of its JSON line [+ delta line +
    pack records]."""
    line = {
        "format": HUB_FORMAT,
        "format_version": HUB_FORMAT_VERSION,
        "library_id": head.library_id,
        "version": head.version,
        "manifest": {"sha256": head.manifest_sha256, "size": head.manifest_size},
    }
    if head.patch is not None:
        line["patch"] = {"base": head.patch.base}
    compressor = zlib.compressobj(9, zlib.DEFLATED, HEAD_WBITS, 9, zdict=HEAD_DICTIONARY)
    out = compressor.compress(canonical_json(line) + b"\n")
    if head.patch is not None:
        first, newline, objects = head.patch.records.partition(b"\n")
        out += compressor.compress(head.patch.delta + b"\n" + first + newline)
        out += compressor.flush(zlib.Z_BLOCK)  # the objects' bytes get a deflate block (and code tables) of their own
        out += compressor.compress(objects)
    return out + compressor.flush()


def parse_index(raw: bytes, max_manifest_bytes: int, file: str) -> Index:
    """Check a version's index (already signature-checked)."""
    data, library_id, version, sha, size = _common(raw, INDEX_FORMAT, max_manifest_bytes, file)
    deltas = data.get("deltas", [])
    if not isinstance(deltas, list) or len(deltas) > MAX_DELTAS:
        raise ManifestError(f"must be a list of at most {MAX_DELTAS}", file=file, field="deltas")
    return Index(
        library_id,
        version,
        sha,
        size,
        _file(data["manifest"].get("file"), "manifest.file.", file),
        _pack(data.get("pack"), "pack.", file),
        tuple(
            DeltaRef(
                d.sha256,
                d.size,
                _sha(raw_d, "base", f"deltas[{i}].", file),
                _pack(raw_d.get("pack"), f"deltas[{i}].pack.", file),
            )
            for i, raw_d in enumerate(deltas)
            for d in [_file(raw_d, f"deltas[{i}].", file)]
        ),
    )


def index_bytes(index: Index) -> bytes:
    """The index's canonical JSON (the message that gets signed)."""

    def pack(p: PackRef | None) -> dict | None:
        return None if p is None else {"sha256": p.sha256, "size": p.size, "raw": p.raw, "count": p.count}

    return canonical_json(
        {
            "format": INDEX_FORMAT,
            "format_version": HUB_FORMAT_VERSION,
            "library_id": index.library_id,
            "version": index.version,
            "manifest": {
                "sha256": index.manifest_sha256,
                "size": index.manifest_size,
                "file": {"sha256": index.manifest_file.sha256, "size": index.manifest_file.size},
            },
            "pack": pack(index.pack),
            "deltas": [
                {"sha256": d.sha256, "size": d.size, "base": d.base, "pack": pack(d.pack)} for d in index.deltas
            ],
        }
    )


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


def check_manifest(raw: bytes, head: Head, max_lessons: int) -> Manifest:
    """Bytes of a manifest accepted only if they are the ones the signed head names."""
    if hashlib.sha256(raw).hexdigest() != head.manifest_sha256:
        raise ManifestError("does not match the sha256 in the signed head", file="manifest.json")
    manifest = parse_manifest(raw, max_lessons)
    if (manifest.library_id, manifest.version) != (head.library_id, head.version):
        raise ManifestError("names another library or version than the signed head", file="manifest.json")
    return manifest
