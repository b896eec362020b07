"""Format version 4's renditions: the copies a hub made of a video (a low copy for old phones, a poster), listed on
the video's attachment entry as objects of their own, so a school fetches only the ones it will show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .fields import ManifestError, object_ref, req

RENDITIONS_SINCE_VERSION = 4
# kind -> the one media type a copy of that kind has (contentserver/video/renditions.py makes them)
RENDITION_TYPES = {"low": "video/mp4", "poster": "image/jpeg"}
RENDITION_KEYS = {"kind", "sha256", "size", "type", "width", "height"}
MAX_SIDE = 16384  # pixels: more than any screen, far less than a decompression bomb claims


@dataclass(frozen=True)
class RenditionEntry:
    kind: str
    sha256: str
    size: int
    media_type: str
    width: int
    height: int


def _side(obj: dict, key: str, where: str) -> int:
    value = req(obj, key, int, where)
    if not 0 <= value <= MAX_SIDE:
        raise ManifestError(f"must be from 0 to {MAX_SIDE} pixels", field=f"{where}{key}")
    return value


def _rendition(obj: Any, where: str) -> RenditionEntry:
    if not isinstance(obj, dict):
        raise ManifestError("must be an object", field=where.rstrip("."))
    unknown = sorted(set(obj) - RENDITION_KEYS)
    if unknown:  # a copy has no name or path of its own: it is saved under its video's name
        raise ManifestError(
            f"has {unknown[0]!r}; a rendition has only {', '.join(sorted(RENDITION_KEYS))}",
            field=f"{where}{unknown[0]}",
        )
    kind = req(obj, "kind", str, where)
    if kind not in RENDITION_TYPES:
        raise ManifestError(
            f"{kind[:40]!r} is not a kind of rendition this contentserver knows ({', '.join(RENDITION_TYPES)})",
            field=f"{where}kind",
        )
    media_type = req(obj, "type", str, where)
    if media_type != RENDITION_TYPES[kind]:
        raise ManifestError(
            f"a {kind} rendition is {RENDITION_TYPES[kind]}, not {media_type[:40]!r}", field=f"{where}type"
        )
    ref = object_ref(obj, where)
    return RenditionEntry(
        kind, ref.sha256, ref.size, media_type, _side(obj, "width", where), _side(obj, "height", where)
    )


def parse_renditions(
    obj: dict, where: str, version: int, media_kind: str, video_sha256: str
) -> tuple[RenditionEntry, ...]:
    """An attachment's optional `renditions`: only on a video, only in version 4 or later, each kind once."""
    if "renditions" not in obj:
        return ()
    field = f"{where}renditions"
    if version < RENDITIONS_SINCE_VERSION:
        raise ManifestError(f"needs format_version {RENDITIONS_SINCE_VERSION} or later", field=field)
    if media_kind != "video":
        raise ManifestError("only a video has renditions", field=field)
    raw = obj["renditions"]
    if not isinstance(raw, list) or len(raw) > len(RENDITION_TYPES):
        raise ManifestError(f"must be a list of at most {len(RENDITION_TYPES)}", field=field)
    entries = tuple(_rendition(r, f"{field}[{i}].") for i, r in enumerate(raw))
    kinds = [r.kind for r in entries]
    if len(set(kinds)) != len(kinds):
        raise ManifestError("lists one kind twice", field=field)
    for i, r in enumerate(entries):
        if r.kind == "poster" and r.sha256 == video_sha256:
            raise ManifestError("a poster cannot be the video itself", field=f"{field}[{i}].sha256")
    return entries


def rendition_to_dict(r: RenditionEntry) -> dict[str, Any]:
    """The entry as the manifest's JSON object (inverse of _rendition)."""
    return {
        "kind": r.kind,
        "sha256": r.sha256,
        "size": r.size,
        "type": r.media_type,
        "width": r.width,
        "height": r.height,
    }
