"""Manifest deltas (hub format 3): one new lesson in a 20,000-lesson library costs its own entry, not the 20,000."""

from __future__ import annotations

import dataclasses
import json

from .format import FORMAT_NAME, Manifest, ManifestError, manifest_to_dict


def canonical_json(data: object) -> bytes:
    """Sorted keys, no spaces, UTF-8: the form manifests, heads and deltas are written (and hashed) in."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sorted_manifest(manifest: Manifest) -> Manifest:
    """A hub manifest lists lessons by id, so a delta can be applied without an order list."""
    return dataclasses.replace(manifest, lessons=tuple(sorted(manifest.lessons, key=lambda lesson: lesson.id)))


def make_delta(base: Manifest, new: Manifest) -> bytes:
    """The JSON delta that turns `base` into `new`: changed top-level fields, changed or added lessons, removed ids."""
    old_dict, new_dict = manifest_to_dict(base), manifest_to_dict(new)
    old = {lesson["id"]: lesson for lesson in old_dict["lessons"]}
    keep = {lesson["id"] for lesson in new_dict["lessons"]}
    return canonical_json(
        {
            "header": {k: v for k, v in new_dict.items() if k != "lessons" and old_dict.get(k) != v},
            "upsert": [lesson for lesson in new_dict["lessons"] if old.get(lesson["id"]) != lesson],
            "remove": sorted(set(old) - keep),
        }
    )


def apply_delta(base_raw: bytes, delta_raw: bytes, max_lessons: int) -> bytes:
    """The new manifest's bytes; the caller checks them against the signed head's sha256."""
    file = "manifest delta"
    try:
        delta = json.loads(delta_raw.decode("utf-8"))
        base = json.loads(base_raw.decode("utf-8"))
        lessons = {lesson["id"]: lesson for lesson in base.pop("lessons")}
        for lesson_id in delta["remove"]:
            lessons.pop(lesson_id, None)
        for lesson in delta["upsert"]:
            lessons[lesson["id"]] = lesson
        if len(lessons) > max_lessons:
            raise ManifestError(f"lists more than {max_lessons} lessons", file=file)
        merged = dict(base, **delta["header"], lessons=[lessons[k] for k in sorted(lessons)])
    except (UnicodeDecodeError, ValueError, RecursionError, KeyError, TypeError, AttributeError):
        raise ManifestError("does not fit the format (JSON with header, upsert, remove)", file=file) from None
    if merged.get("format") != FORMAT_NAME:
        raise ManifestError("does not describe a library", file=file)
    return canonical_json(merged)
