"""Format version 3's channel entries: a Kolibri channel's tree as one JSON object, its files in the store."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .fields import ManifestError, ObjectRef, entry_list, object_ref, req, text

CHANNELS_SINCE_VERSION = 3
CHANNEL_ID_RE = re.compile(r"^[0-9a-f]{32}\Z")
MAX_CHANNEL_FILES = 1_600_000  # the reader's own cap: 200,000 nodes of at most 8 files


@dataclass(frozen=True)
class ChannelEntry:
    """`tree` is the channel's topics and resources (JSON, docs/library-format.md); `files` every object the tree
    refers to, listed here so that import, the hub, a USB export and gc see them without reading the tree."""

    id: str
    title: str
    channel_version: int
    tree: ObjectRef
    files: tuple[ObjectRef, ...]

    def objects(self) -> list[ObjectRef]:
        return [self.tree, *self.files]


def parse_channel(obj: Any, where: str) -> ChannelEntry:
    if not isinstance(obj, dict):
        raise ManifestError("must be an object", field=where.rstrip("."))
    channel_id = req(obj, "id", str, where)
    if not CHANNEL_ID_RE.match(channel_id):
        raise ManifestError(f"{channel_id[:40]!r} must be a Kolibri channel id (32 hex digits)", field=f"{where}id")
    channel_version = req(obj, "channel_version", int, where)
    if channel_version < 0:
        raise ManifestError("must be 0 or more", field=f"{where}channel_version")
    files = req(obj, "files", list, where)
    if len(files) > MAX_CHANNEL_FILES:
        raise ManifestError(f"lists {len(files)} files; at most {MAX_CHANNEL_FILES}", field=f"{where}files")
    return ChannelEntry(
        id=channel_id,
        title=text(obj, "title", where, 300),
        channel_version=channel_version,
        tree=object_ref(obj.get("tree"), f"{where}tree."),
        files=tuple(object_ref(ref, f"{where}files[{i}].") for i, ref in enumerate(files)),
    )


def channel_to_dict(channel: ChannelEntry) -> dict[str, Any]:
    """The entry as the manifest's JSON object (inverse of parse_channel)."""
    return {
        "id": channel.id,
        "title": channel.title,
        "channel_version": channel.channel_version,
        "tree": {"sha256": channel.tree.sha256, "size": channel.tree.size},
        "files": [{"sha256": ref.sha256, "size": ref.size} for ref in channel.files],
    }


def parse_channels(data: dict, version: int) -> tuple[ChannelEntry, ...]:
    """The manifest's `channels` list: absent means none; refused in a version that has no channels."""
    return entry_list(data, "channels", CHANNELS_SINCE_VERSION, version, parse_channel, "channel")
