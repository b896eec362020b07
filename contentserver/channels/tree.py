"""An installed channel's tree (the JSON object `contentserver import` wrote) as topics, resources and paths."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

TREE_FORMAT = "contentserver-kolibri-tree"
TOPIC = "topic"
MEDIA_TYPES = {
    "mp4": "video/mp4",
    "webm": "video/webm",
    "m4v": "video/mp4",
    "mp3": "audio/mpeg",
    "ogg": "audio/ogg",
    "oga": "audio/ogg",
    "m4a": "audio/mp4",
    "wav": "audio/wav",
    "pdf": "application/pdf",
    "epub": "application/epub+zip",
    "vtt": "text/vtt",
    "srt": "text/plain",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "webp": "image/webp",
    "zip": "application/zip",
    "perseus": "application/zip",
}


@dataclass(frozen=True)
class NodeFile:
    sha256: str
    size: int
    preset: str
    extension: str
    role: str  # main, subtitle or thumbnail
    lang: str | None

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES.get(self.extension, "application/octet-stream")

    @property
    def name(self) -> str:
        """The file's URL name: the store's object plus the extension a browser and a download need."""
        return f"{self.sha256}.{self.extension}"


@dataclass
class Node:
    """A topic or a resource; every text is the channel's own and is shown as text, never as markup."""

    id: str
    parent: str | None
    kind: str
    title: str
    description: str = ""
    author: str = ""
    license_name: str = ""
    license_owner: str = ""
    license_description: str = ""
    lang: str | None = None
    tags: tuple[str, ...] = ()
    files: tuple[NodeFile, ...] = ()
    questions: int = 0
    not_available: int = 0
    mastery_model: str | None = None
    item_ids: tuple[str, ...] = ()
    children: list[Node] = field(default_factory=list)

    @property
    def is_topic(self) -> bool:
        return self.kind == TOPIC

    @property
    def main(self) -> NodeFile | None:
        return next((f for f in self.files if f.role == "main"), None)

    @property
    def thumbnail(self) -> NodeFile | None:
        return next((f for f in self.files if f.role == "thumbnail" and f.media_type.startswith("image/")), None)

    @property
    def subtitles(self) -> list[NodeFile]:
        return [f for f in self.files if f.role == "subtitle"]

    resources: int = 0  # how many resources lie under a topic (1 for a resource): the listings' counts


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _file(raw: dict[str, Any]) -> NodeFile:
    return NodeFile(
        raw["sha256"], int(raw["size"]), _text(raw.get("preset")), _text(raw.get("extension")).lower(),
        _text(raw.get("role")), raw.get("lang") if isinstance(raw.get("lang"), str) else None,
    )  # fmt: skip


def _node(raw: dict[str, Any]) -> Node:
    return Node(
        id=raw["id"],
        parent=raw.get("parent"),
        kind=_text(raw.get("kind")),
        title=_text(raw.get("title")),
        description=_text(raw.get("description")),
        author=_text(raw.get("author")),
        license_name=_text(raw.get("license_name")),
        license_owner=_text(raw.get("license_owner")),
        license_description=_text(raw.get("license_description")),
        lang=raw.get("lang") if isinstance(raw.get("lang"), str) else None,
        tags=tuple(t for t in raw.get("tags") or () if isinstance(t, str)),
        files=tuple(_file(f) for f in raw.get("files") or ()),
        questions=int(raw.get("questions") or 0),
        not_available=int(raw.get("not_available") or 0),
        mastery_model=raw.get("mastery_model") if isinstance(raw.get("mastery_model"), str) else None,
        item_ids=tuple(i for i in raw.get("item_ids") or () if isinstance(i, str)),
    )


@dataclass
class ChannelTree:
    """Nodes by id, each topic's children in the channel's order, and the root."""

    id: str
    name: str
    description: str
    author: str
    version: int
    root: Node
    nodes: dict[str, Node]

    def path(self, node: Node) -> list[Node]:
        """The topics above `node`, root first (the breadcrumbs); the tree was checked for cycles on import."""
        above: list[Node] = []
        parent = self.nodes.get(node.parent) if node.parent else None
        while parent is not None and len(above) < len(self.nodes):
            above.append(parent)
            parent = self.nodes.get(parent.parent) if parent.parent else None
        return above[::-1]

    def resources(self) -> list[Node]:
        return [node for node in self.nodes.values() if not node.is_topic]


def _count_resources(root: Node) -> None:
    """Each topic's resources below it, without recursion (a channel's tree may be deeper than Python's stack)."""
    order, stack, seen = [], [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        stack.extend(node.children)
    for node in reversed(order):  # children before their parents
        node.resources = sum(child.resources for child in node.children) if node.is_topic else 1


def parse_tree(raw: bytes) -> ChannelTree:
    """The tree object's JSON; a ValueError when it is not one (the store verified its hash, not its meaning)."""
    data = json.loads(raw)
    if not isinstance(data, dict) or data.get("format") != TREE_FORMAT:
        raise ValueError("not a channel tree")
    info = data["channel"]
    nodes: dict[str, Node] = {}
    for raw_node in data["nodes"]:
        node = _node(raw_node)
        nodes[node.id] = node
    for node in nodes.values():
        parent = nodes.get(node.parent) if node.parent else None
        if parent is not None and parent is not node:
            parent.children.append(node)  # topics come first, then resources, each in the channel's order
    root = nodes.get(info.get("root")) or next(iter(nodes.values()))
    _count_resources(root)
    return ChannelTree(
        id=_text(info.get("id")),
        name=_text(info.get("name")),
        description=_text(info.get("description")),
        author=_text(info.get("author")),
        version=int(info.get("version") or 0),
        root=root,
        nodes=nodes,
    )
