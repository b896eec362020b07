"""Reading a Kolibri channel database read-only, from whatever columns its schema version has.

Kolibri's content schema changed many times (files carried `checksum` before `content_localfile` existed,
`file_size` became `file_size_bigint`, licences moved from a table into the node), so nothing here assumes a
version: every query is built from the tables and columns the file has (`PRAGMA table_info`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from le_utils.constants import content_kinds

from . import rows
from .errors import ChannelError
from .rows import Assessment, ChannelFile, text

SQLITE_MAGIC = b"SQLite format 3\x00"
REQUIRED_TABLES = (rows.CHANNEL, rows.NODE)
REQUIRED_NODE_COLUMNS = ("id", "parent_id", "kind", "title")
# Khan Academy's largest channels have some 100,000 nodes; at ~3 KB a node in memory this cap is ~600 MB.
MAX_NODES = 200_000
FILES_PER_NODE = 8
# A damaged file can make SQLite's own error message invalid UTF-8, which Python then fails to decode.
DB_ERRORS = (sqlite3.Error, UnicodeDecodeError)

__all__ = ["Assessment", "Channel", "ChannelError", "ChannelFile", "ChannelInfo", "ChannelNode", "open_channel"]


@dataclass(frozen=True)
class ChannelInfo:
    """The channel's own row: what a school sees as the collection and what a re-import compares."""

    id: str
    name: str
    description: str
    author: str
    version: int
    root_id: str
    min_schema_version: str
    tagline: str
    last_updated: str
    database: Path


@dataclass(frozen=True)
class ChannelNode:
    """A topic or a resource, with its place in the tree (`path`: the ids of its topics from the root down)."""

    id: str
    parent_id: str | None
    kind: str
    title: str
    description: str
    author: str
    license_name: str
    license_owner: str
    license_description: str
    lang: str | None
    available: bool
    depth: int
    path: tuple[str, ...]
    tags: tuple[str, ...] = ()
    files: tuple[ChannelFile, ...] = ()
    assessment: Assessment | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def is_topic(self) -> bool:
        return self.kind == content_kinds.TOPIC


def _check_sqlite(path: Path) -> None:
    """A clear refusal before SQLite's own "file is not a database" on the first query."""
    try:
        with open(path, "rb") as stream:
            head = stream.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise ChannelError(f"cannot be read ({exc.strerror or exc})", str(path)) from None
    if head != SQLITE_MAGIC:
        raise ChannelError("is not a SQLite database, so not a Kolibri channel database", str(path))


def _connect(path: Path) -> sqlite3.Connection:
    """Read-only by URI (a stick may be write-protected; nothing of the channel's may change), no schema code.

    A database left in WAL mode cannot be opened read-only where its -shm file cannot be made (a write-protected
    stick): there SQLite is told the file is immutable, which it is while the medium is read-only."""
    uri = f"file:{quote(str(path.resolve()))}?mode=ro"
    db = sqlite3.connect(uri, uri=True, check_same_thread=False)
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        db.close()
        db = sqlite3.connect(uri + "&immutable=1", uri=True, check_same_thread=False)
    db.text_factory = lambda raw: raw.decode("utf-8", "replace")  # a damaged or foreign text is still text
    db.execute("PRAGMA query_only = ON")
    db.execute("PRAGMA trusted_schema = OFF")
    return db


class Channel:
    """One channel database, opened read-only; `nodes()` walks its tree in the channel's own order."""

    def __init__(self, database: Path, max_nodes: int = MAX_NODES):
        self.database = Path(database)
        self.max_nodes = max_nodes
        _check_sqlite(self.database)
        try:
            self._db = _connect(self.database)
        except DB_ERRORS as exc:
            raise ChannelError(f"cannot be opened as SQLite ({exc})", str(self.database)) from None
        try:
            self.columns = self._read_columns()
            self.info = self._read_info()
            self._refuse_too_many()
        except DB_ERRORS as exc:
            self.close()
            raise ChannelError(f"is damaged ({exc})", str(self.database)) from None
        except BaseException:
            self.close()
            raise
        self.orphans: list[str] = []  # node ids not reachable from the root (reported, never shown)

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Channel:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _read_columns(self) -> dict[str, set[str]]:
        tables = [r[0] for r in self._db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        columns = {t: {r[1] for r in self._db.execute(f'PRAGMA table_info("{t}")')} for t in tables if t in rows.KNOWN}
        missing = [t for t in REQUIRED_TABLES if t not in columns]
        if missing:
            raise ChannelError(
                f"has no Kolibri channel tables ({', '.join(missing)} missing): not a Kolibri channel database",
                str(self.database),
            )
        lacking = [c for c in REQUIRED_NODE_COLUMNS if c not in columns[rows.NODE]]
        if lacking:
            raise ChannelError(f"{rows.NODE} lacks the columns {', '.join(lacking)}", str(self.database))
        return columns

    def _read_info(self) -> ChannelInfo:
        have = self.columns[rows.CHANNEL]
        root_column = "root_id" if "root_id" in have else "root_pk" if "root_pk" in have else None
        if root_column is None or "id" not in have:
            raise ChannelError(f"{rows.CHANNEL} names no root node", str(self.database))
        wanted = ["name", "description", "author", "version", "min_schema_version", "tagline", "last_updated"]
        present = [c for c in wanted if c in have]
        select = ", ".join(["id", root_column, *present])
        found = self._db.execute(f"SELECT {select} FROM {rows.CHANNEL} LIMIT 1000").fetchall()
        if not found:
            raise ChannelError(f"{rows.CHANNEL} is empty: no channel in this database", str(self.database))
        stem = self.database.name.split(".")[0]
        mine = [r for r in found if text(r[0], 64) == stem] or (found if len(found) == 1 else [])
        if not mine:
            raise ChannelError(f"holds {len(found)} channels and none has the file's name {stem}", str(self.database))
        row = dict(zip(["id", "root", *present], mine[0]))
        root = text(row["root"], 64)
        if self._db.execute(f"SELECT 1 FROM {rows.NODE} WHERE id = ?", (root,)).fetchone() is None:
            raise ChannelError(f"the channel's root node {root!r} is missing", str(self.database))
        try:
            version = int(row.get("version") or 0)
        except (TypeError, ValueError):
            version = 0
        return ChannelInfo(
            id=text(row["id"], 64),
            name=text(row.get("name"), 200),
            description=text(row.get("description"), 2000),
            author=text(row.get("author"), 400),
            version=version,
            root_id=root,
            min_schema_version=text(row.get("min_schema_version"), 50),
            tagline=text(row.get("tagline"), 150),
            last_updated=text(row.get("last_updated"), 50),
            database=self.database,
        )

    def _refuse_too_many(self) -> None:
        """The whole tree is held in memory while it is read (~3 KB a node), so its size is capped first."""
        for table, cap in ((rows.NODE, self.max_nodes), (rows.FILE, FILES_PER_NODE * self.max_nodes)):
            if table in self.columns:
                (count,) = self._db.execute(f"SELECT count(*) FROM {table}").fetchone()
                if count > cap:
                    raise ChannelError(f"{table} has {count} rows; at most {cap} are read", str(self.database))

    def _tree(self, skeleton: dict[str, tuple[str | None, tuple]]) -> list[tuple[str, int, tuple[str, ...]]]:
        """(id, depth, ancestor ids) in the channel's order; a cycle is refused before anything is read."""
        children: dict[str | None, list[str]] = {}
        for node_id, (parent, _key) in skeleton.items():
            children.setdefault(parent, []).append(node_id)
        for siblings in children.values():
            siblings.sort(key=lambda n: skeleton[n][1])
        order: list[tuple[str, int, tuple[str, ...]]] = []
        seen: set[str] = set()
        stack: list[tuple[str, int, tuple[str, ...]]] = [(self.info.root_id, 0, ())]
        while stack:
            node_id, depth, path = stack.pop()
            if node_id in seen:
                raise ChannelError(f"the topic tree has a cycle through node {node_id!r}", str(self.database))
            seen.add(node_id)
            order.append((node_id, depth, path))
            below = (*path, node_id)
            stack.extend((child, depth + 1, below) for child in reversed(children.get(node_id, [])))
        self._refuse_hidden_cycles(skeleton, seen)
        self.orphans = sorted(n for n in skeleton if n not in seen)
        return order

    def _refuse_hidden_cycles(self, skeleton: dict[str, tuple[str | None, tuple]], reached: set[str]) -> None:
        """Nodes off the tree whose parents lead round in a loop: a broken channel, not merely orphans."""
        settled = set(reached)
        for start in skeleton:
            if start in settled:
                continue
            trail: list[str] = []
            on_trail: set[str] = set()
            node: str | None = start
            while node is not None and node in skeleton and node not in settled:
                if node in on_trail:
                    raise ChannelError(f"the topic tree has a cycle through node {node!r}", str(self.database))
                trail.append(node)
                on_trail.add(node)
                node = skeleton[node][0]
            settled.update(trail)

    def nodes(self) -> Iterator[ChannelNode]:
        """Every node reachable from the root, topics before what they hold, siblings in the channel's order."""
        try:
            reader = rows.RowReader(self._db, self.columns)
            skeleton = reader.skeleton()
            order = self._tree(skeleton)
            details = reader.nodes()
            files, tags, assessments = reader.files(), reader.tags(), reader.assessments()
        except DB_ERRORS as exc:
            raise ChannelError(f"is damaged ({exc})", str(self.database)) from None
        for node_id, depth, path in order:
            d = details[node_id]
            yield ChannelNode(
                id=node_id,
                parent_id=skeleton[node_id][0],
                depth=depth,
                path=path,
                tags=tuple(tags.get(node_id, ())),
                files=tuple(files.get(node_id, ())),
                assessment=assessments.get(node_id),
                **d,
            )

    def resources(self) -> Iterator[ChannelNode]:
        return (node for node in self.nodes() if not node.is_topic)


def open_channel(database: Path, max_nodes: int = MAX_NODES) -> Channel:
    """The channel in one `<channel_id>.sqlite3`; a ChannelError says clearly why a file is not one."""
    return Channel(database, max_nodes)


def channel_databases(root: Path) -> list[Path]:
    """The channel databases of an export folder (`content/databases/*.sqlite3`), in name order."""
    folder = Path(root) / "content" / "databases"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix == ".sqlite3" and p.is_file() and not p.is_symlink())
