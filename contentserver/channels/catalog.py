"""Which Kolibri channels are installed: read from the installed libraries' kept manifests (format 3), not rows.

A channel has no table of its own: its library's manifest names the tree object, and the tree is the channel.
Both are immutable (named by sha256), so the parsed forms are kept in small process-wide caches keyed by hash,
and a new library version simply names other hashes.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from sqlalchemy import select

from ..db import db
from ..errors import NotFound
from ..library.manifests import read_manifest
from ..library.objects import ObjectStore
from ..lru import LRU
from ..models import InstalledLibrary
from .tree import ChannelTree, Node, parse_tree

CHANNELS_SINCE_VERSION = 3
CHANNEL_ID_RE = re.compile(r"^[0-9a-f]{32}\Z")
NODE_ID_RE = re.compile(r"^[0-9A-Za-z_-]{1,64}\Z")  # Kolibri writes 32 hex digits; older exports, dashes


@dataclass(frozen=True)
class InstalledChannel:
    id: str
    title: str
    library_id: str
    tree_sha256: str
    resources: int  # files the manifest lists: a cheap size for listings


# manifest sha256 → its channels; tree sha256 → the parsed tree (a 20,000-resource tree is ~40 MB parsed)
_manifests: LRU[str, tuple[InstalledChannel, ...]] = LRU(64)
_trees: LRU[str, ChannelTree] = LRU(4)


def _channels_of(store: ObjectStore, library_id: str, manifest_sha256: str) -> tuple[InstalledChannel, ...]:
    found = _manifests.get(manifest_sha256)
    if found is None:
        raw = read_manifest(store, manifest_sha256)
        entries = json.loads(raw).get("channels", []) if raw else []
        found = tuple(
            InstalledChannel(e["id"], e["title"], library_id, e["tree"]["sha256"], len(e["files"])) for e in entries
        )
        _manifests.put(manifest_sha256, found)
    return found


def list_channels(store: ObjectStore) -> list[InstalledChannel]:
    """Every installed channel, by title."""
    rows = db.session.execute(
        select(InstalledLibrary.library_id, InstalledLibrary.manifest_sha256).where(
            InstalledLibrary.format_version >= CHANNELS_SINCE_VERSION
        )
    )
    channels = [channel for library_id, sha in rows for channel in _channels_of(store, library_id, sha)]
    return sorted(channels, key=lambda c: (c.title.casefold(), c.id))


def get_channel(store: ObjectStore, channel_id: str) -> InstalledChannel:
    if CHANNEL_ID_RE.match(channel_id):
        for channel in list_channels(store):
            if channel.id == channel_id:
                return channel
    raise NotFound()


def load_tree(store: ObjectStore, channel: InstalledChannel) -> ChannelTree:
    """The channel's parsed tree; NotFound when its object is gone or is not a tree (never a server error)."""
    tree = _trees.get(channel.tree_sha256)
    if tree is None:
        try:
            tree = parse_tree(store.read_bytes(channel.tree_sha256))
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
            raise NotFound() from None
        _trees.put(channel.tree_sha256, tree)
    return tree


def get_node(tree: ChannelTree, node_id: str) -> Node:
    node = tree.nodes.get(node_id) if NODE_ID_RE.match(node_id) else None
    if node is None:
        raise NotFound()
    return node


def exercise_title(store: ObjectStore, quiz_id: str) -> str:
    """The title of the exercise a practice quiz id (`channels/<channel id>/<node id>`) names; "" once it is gone."""
    _prefix, channel_id, node_id = (quiz_id.split("/") + ["", ""])[:3]
    try:
        return get_node(load_tree(store, get_channel(store, channel_id)), node_id).title
    except NotFound:
        return ""
