"""Kolibri channels for tests and the benchmark, built with Kolibri's own schema of each version.

The schemas (SQLAlchemy definitions per version, the DDL of schema 7) and Kolibri's fixture rows are read in
place from ../shared/kolibri/; nothing of them is copied here. A channel is a folder as Kolibri exports it:
`content/databases/<channel_id>.sqlite3` and `content/storage/<a>/<b>/<md5>.<ext>`.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import sqlite3
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from libmaker import SHARED

KOLIBRI = SHARED / "kolibri"
# schema version → (its definition, the fixture rows Kolibri tests it with)
VERSIONS = {
    "v0.2.0-beta1": ("content_schema_v020beta1.py", "v0.2.0-beta1"),
    "v0.4.0-beta3": ("content_schema_v040beta3.py", "v0.4.0-beta3"),
    "unversioned": ("content_schema_unversioned.py", "unversioned"),
    "1": ("content_schema_1.py", "1"),
    "2": ("content_schema_2.py", "2"),
    "3": ("content_schema_3.py", "3"),
    "4": ("content_schema_4.py", "4"),
    "5": ("content_schema_5.py", "5"),
    "current": ("content_schema_current.py", "5"),
    "7": ("7.sql", "5"),
}
_DEFAULTS = {"INTEGER": 0, "BOOLEAN": 0, "BOOL": 0, "BIGINT": 0, "FLOAT": 0.0, "REAL": 0.0}


@contextmanager
def writing(db_path: Path) -> Iterator[sqlite3.Connection]:
    """A connection that commits and closes (sqlite3's own `with` only commits)."""
    db = sqlite3.connect(db_path)
    try:
        with db:
            yield db
    finally:
        db.close()


def _schema_module(filename: str) -> Any:
    """Kolibri's SQLAlchemy definitions of one version, imported from ../shared in place."""
    spec = importlib.util.spec_from_file_location(
        f"kolibri_schema_{Path(filename).stem}", KOLIBRI / "schema" / filename
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # they use declarative_base from its SQLAlchemy 1.x place
        spec.loader.exec_module(module)
    return module


def create_schema(db_path: Path, version: str) -> None:
    """An empty channel database of that schema version, exactly as Kolibri defines it."""
    filename, _fixture = VERSIONS[version]
    if filename.endswith(".sql"):
        with writing(db_path) as db:
            db.executescript((KOLIBRI / "schema_ddl" / filename).read_text("utf-8"))
        return
    from sqlalchemy import create_engine

    engine = create_engine(f"sqlite:///{db_path}")
    try:
        _schema_module(filename).metadata.create_all(engine)
    finally:
        engine.dispose()
    with writing(db_path) as db:  # the app's engine hook made it WAL; Kolibri writes rollback journals
        db.execute("PRAGMA journal_mode = DELETE")


def fixture_rows(version: str) -> dict[str, list[dict[str, Any]]]:
    return json.loads((KOLIBRI / "fixtures" / f"{VERSIONS[version][1]}_content_data.json").read_text("utf-8"))


def insert_rows(db: sqlite3.Connection, table: str, rows: list[dict[str, Any]]) -> None:
    """Rows written with the columns this version's table has; renamed columns follow Kolibri's renames, and a
    NOT NULL column the rows lack gets a neutral value."""
    info = db.execute(f'PRAGMA table_info("{table}")').fetchall()
    if not info or not rows:
        return
    names = [r[1] for r in info]
    fill = {r[1]: _DEFAULTS.get(str(r[2]).upper().split("(")[0], "") for r in info if r[3] and r[4] is None}
    renames = {"file_size_bigint": "file_size", "root_pk": "root_id"}
    values = []
    for row in rows:
        full = {n: row.get(n, row.get(renames.get(n, ""), fill.get(n))) for n in names}
        if "id" in full and full["id"] is None and table not in ("content_contentnode",):
            full.pop("id")
        values.append(full)
    for group in {tuple(v) for v in values}:
        cols = ", ".join(f'"{c}"' for c in group)
        marks = ", ".join("?" for _ in group)
        db.executemany(
            f'INSERT INTO "{table}" ({cols}) VALUES ({marks})',
            [tuple(v[c] for c in group) for v in values if tuple(v) == group],
        )


def fixture_channel(root: Path, version: str) -> Path:
    """Kolibri's own fixture channel of that schema version under `root` (no storage files)."""
    rows = fixture_rows(version)
    channel_id = rows["content_channelmetadata"][0]["id"]
    db_path = root / "content" / "databases" / f"{channel_id}.sqlite3"
    db_path.parent.mkdir(parents=True, exist_ok=True)
    create_schema(db_path, version)
    with writing(db_path) as db:
        for table, table_rows in rows.items():
            insert_rows(db, table, table_rows)
    return db_path


def md5(data: bytes) -> str:
    return hashlib.md5(data, usedforsecurity=False).hexdigest()


def storage_path(root: Path, checksum: str, extension: str) -> Path:
    return root / "content" / "storage" / checksum[0] / checksum[1] / f"{checksum}.{extension}"


@dataclass
class ChannelBuilder:
    """A synthetic channel: topics and resources added in order, written with one schema version's tables."""

    root: Path
    version: str = "7"
    name: str = "Test channel"
    channel_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    channel_version: int = 1
    nodes: list[dict[str, Any]] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)
    assessments: list[dict[str, Any]] = field(default_factory=list)
    blobs: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    tags: dict[str, list[str]] = field(default_factory=dict)  # node id → its tags

    def __post_init__(self) -> None:
        self.root_id = self._node(None, "topic", self.name)

    def _node(self, parent: str | None, kind: str, title: str, **fields: Any) -> str:
        node_id = fields.pop("id", None) or uuid.uuid4().hex
        if fields.get("tags"):
            self.tags[node_id] = list(fields.pop("tags"))
        fields.pop("tags", None)
        self.nodes.append(
            {
                "id": node_id,
                "parent_id": parent,
                "kind": kind,
                "title": title,
                "content_id": uuid.uuid4().hex,
                "channel_id": self.channel_id,
                "description": fields.pop("description", ""),
                "author": fields.pop("author", ""),
                "license_owner": fields.pop("license_owner", ""),
                "license_name": fields.pop("license_name", "CC BY"),
                "available": fields.pop("available", True),
                "coach_content": False,
                "sort_order": fields.pop("sort_order", float(len(self.nodes))),
                "stemmed_metaphone": "",
                "options": "{}",
                **fields,
            }
        )
        return node_id

    def node_id(self, title: str) -> str:
        """The id of the node with this title."""
        return next(n["id"] for n in self.nodes if n["title"] == title)

    def topic(self, title: str, parent: str | None = None, **fields: Any) -> str:
        return self._node(parent or self.root_id, "topic", title, **fields)

    def resource(self, kind: str, title: str, parent: str | None = None, files: list[tuple] = (), **fields: Any) -> str:
        """`files`: (preset, extension, bytes[, lang]) each; its md5 names it in storage."""
        assessment = fields.pop("assessment", None)
        node_id = self._node(parent or self.root_id, kind, title, **fields)
        for preset, extension, data, *lang in files:
            self.add_file(node_id, preset, extension, data, lang[0] if lang else None)
        if assessment is not None:
            self.assessments.append({"id": uuid.uuid4().hex, "contentnode_id": node_id, **assessment})
        return node_id

    def add_file(self, node_id: str, preset: str, extension: str, data: bytes, lang: str | None = None, **kw: Any):
        checksum = kw.pop("checksum", None) or md5(data)
        self.blobs[checksum] = (extension, data)
        supplementary = preset.endswith(("subtitle", "thumbnail")) or preset == "exercise_image"
        self.files.append(
            {
                "id": uuid.uuid4().hex,
                "contentnode_id": node_id,
                "local_file_id": checksum,
                "checksum": checksum,
                "extension": extension,
                "file_size": len(data),
                "available": True,
                "preset": preset,
                "supplementary": supplementary,
                "thumbnail": preset.endswith("thumbnail"),
                "priority": len(self.files),
                "lang_id": lang,
                **kw,
            }
        )
        return checksum

    def _tree_numbers(self) -> None:
        """lft, rght, level and tree_id as Kolibri's MPTT tree has them."""
        children: dict[str | None, list[dict[str, Any]]] = {}
        for node in self.nodes:
            children.setdefault(node["parent_id"], []).append(node)
        counter = 0
        stack: list[tuple[dict[str, Any], int, bool]] = [(self.nodes[0], 0, False)]
        while stack:
            node, level, done = stack.pop()
            counter += 1
            if done:
                node["rght"] = counter
                continue
            node.update(lft=counter, level=level, tree_id=1)
            stack.append((node, level, True))
            stack.extend((child, level + 1, False) for child in reversed(children.get(node["id"], [])))

    def write(self, with_storage: bool = True) -> Path:
        if "lft" not in self.nodes[-1]:
            self._tree_numbers()
        db_path = self.root / "content" / "databases" / f"{self.channel_id}.sqlite3"
        db_path.parent.mkdir(parents=True, exist_ok=True)
        db_path.unlink(missing_ok=True)
        create_schema(db_path, self.version)
        languages = sorted(({f["lang_id"] for f in self.files} | {n.get("lang_id") for n in self.nodes}) - {None})
        licences = sorted({n["license_name"] for n in self.nodes})
        for node in self.nodes:
            node["license_id"] = licences.index(node["license_name"]) + 1
        with writing(db_path) as db:
            insert_rows(db, "content_contentnode", self.nodes)
            insert_rows(db, "content_file", self.files)
            local = {f["local_file_id"]: f for f in self.files}
            insert_rows(db, "content_localfile", [{**f, "id": k} for k, f in local.items()])
            insert_rows(db, "content_assessmentmetadata", self.assessments)
            insert_rows(
                db,
                "content_language",
                [{"id": lang, "lang_code": lang.split("-")[0], "lang_direction": "ltr"} for lang in languages if lang],
            )
            names = sorted({t for listed in self.tags.values() for t in listed})
            insert_rows(db, "content_contenttag", [{"id": f"{i + 1:032x}", "tag_name": n} for i, n in enumerate(names)])
            insert_rows(
                db,
                "content_contentnode_tags",
                [
                    {"id": None, "contentnode_id": node, "contenttag_id": f"{names.index(t) + 1:032x}"}
                    for node, listed in self.tags.items()
                    for t in listed
                ],
            )
            insert_rows(db, "content_license", [{"id": i + 1, "license_name": n} for i, n in enumerate(licences)])
            meta = {"id": self.channel_id, "name": self.name, "description": "", "author": "", "thumbnail": ""}
            meta.update(version=self.channel_version, root_id=self.root_id, min_schema_version=self.version)
            insert_rows(db, "content_channelmetadata", [meta])
        if with_storage:
            for checksum, (extension, data) in self.blobs.items():
                path = storage_path(self.root, checksum, extension)
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
        return db_path
