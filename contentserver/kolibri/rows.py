"""The rows of a Kolibri channel database, each query built from the columns that schema version has."""

from __future__ import annotations

import json
import math
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from le_utils.constants import format_presets

NODE, CHANNEL, FILE, LOCALFILE = "content_contentnode", "content_channelmetadata", "content_file", "content_localfile"
LANGUAGE, LICENSE, TAG, NODE_TAGS = (
    "content_language",
    "content_license",
    "content_contenttag",
    "content_contentnode_tags",
)
ASSESSMENT = "content_assessmentmetadata"
KNOWN = {NODE, CHANNEL, FILE, LOCALFILE, LANGUAGE, LICENSE, TAG, NODE_TAGS, ASSESSMENT}
# Newer node columns (schema 5 on) kept as they are for the library to use; absent in older channels.
EXTRA_NODE_COLUMNS = (
    "grade_levels",
    "resource_types",
    "learning_activities",
    "accessibility_labels",
    "categories",
    "learner_needs",
    "duration",
    "options",
)
EXTRA_FILE_COLUMNS = ("included_presets", "upstream_url")
PRESETS = {preset.id: preset for preset in format_presets.PRESETLIST}
MAX_ITEM_IDS_CHARS = 1 << 20  # an exercise's list of item ids; Khan Academy's longest are a few hundred ids


def text(value: Any, limit: int) -> str:
    """A column as text of at most `limit` characters, whatever SQLite's loose typing handed back."""
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip()[:limit]


def flag(value: Any) -> bool:
    return value not in (None, 0, "0", "", b"", "false", "False")


def number(value: Any) -> float | None:
    try:
        result = float(value)
    except (TypeError, ValueError):
        return None
    return result if math.isfinite(result) else None


@dataclass(frozen=True)
class ChannelFile:
    """One file of a node: `checksum` is its md5, its name in storage `<checksum>.<extension>`."""

    checksum: str
    extension: str
    size: int | None
    preset: str
    supplementary: bool
    thumbnail: bool
    lang: str | None
    available: bool
    priority: float | None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def filename(self) -> str:
        return f"{self.checksum}.{self.extension}"

    @property
    def is_subtitle(self) -> bool:
        preset = PRESETS.get(self.preset)
        return bool(preset and preset.subtitle)


@dataclass(frozen=True)
class Assessment:
    """An exercise's metadata: its Perseus item ids and the mastery model as the channel wrote it (JSON)."""

    item_ids: tuple[str, ...]
    number_of_assessments: int
    mastery_model: str
    randomize: bool
    problem: str = ""


class RowReader:
    """Whole-table reads grouped by node: one query a table, so 20,000 resources cost a handful of queries."""

    def __init__(self, db: sqlite3.Connection, columns: dict[str, set[str]]):
        self.db, self.columns = db, columns
        self.languages = self._languages()

    def _has(self, table: str, *names: str) -> bool:
        return table in self.columns and all(n in self.columns[table] for n in names)

    def _languages(self) -> dict[str, str]:
        """Language row id → its code: Kolibri's ids are tags like `es-419`; old test rows use bare numbers."""
        if not self._has(LANGUAGE, "id", "lang_code"):
            return {}
        return {
            text(i, 14): text(code, 14).lower() for i, code in self.db.execute(f"SELECT id, lang_code FROM {LANGUAGE}")
        }

    def lang(self, lang_id: Any) -> str | None:
        if lang_id is None:
            return None
        key = text(lang_id, 14)
        return self.languages.get(key, key) or None

    def skeleton(self) -> dict[str, tuple[str | None, tuple]]:
        """id → (parent id, sort key): the channel's order is sort_order, then the MPTT lft, then the id."""
        have = self.columns[NODE]
        sort = "sort_order" if "sort_order" in have else "NULL"
        lft = "lft" if "lft" in have else "NULL"
        found: dict[str, tuple[str | None, tuple]] = {}
        for node_id, parent, sort_order, left in self.db.execute(f"SELECT id, parent_id, {sort}, {lft} FROM {NODE}"):
            key_order, key_left = number(sort_order), number(left)
            key = (key_order is None, key_order or 0.0, key_left or 0.0, text(node_id, 64))
            found[text(node_id, 64)] = (text(parent, 64) if parent is not None else None, key)
        return found

    def nodes(self) -> dict[str, dict[str, Any]]:
        """id → the node's own fields (ChannelNode's keyword arguments)."""
        have = self.columns[NODE]
        plain = ["kind", "title", "description", "author", "license_owner", "license_name", "license_description"]
        plain += ["lang_id", "available", "license_id"]
        present = [c for c in plain if c in have]
        extras = [c for c in EXTRA_NODE_COLUMNS if c in have]
        licences = self._licences() if "license_id" in have else {}
        found: dict[str, dict[str, Any]] = {}
        for row in self.db.execute(f"SELECT {', '.join(['id', *present, *extras])} FROM {NODE}"):
            values = dict(zip(["id", *present, *extras], row))
            licence = licences.get(values.get("license_id"), ("", ""))
            found[text(values["id"], 64)] = {
                "kind": text(values.get("kind"), 40),
                "title": text(values.get("title"), 300),
                "description": text(values.get("description"), 20_000),
                "author": text(values.get("author"), 200),
                "license_name": text(values.get("license_name"), 50) or licence[0],
                "license_owner": text(values.get("license_owner"), 200),
                "license_description": text(values.get("license_description"), 2000) or licence[1],
                "lang": self.lang(values.get("lang_id")),
                "available": flag(values.get("available", True)),
                "extras": {c: values[c] for c in extras if values[c] is not None},
            }
        return found

    def _licences(self) -> dict[Any, tuple[str, str]]:
        """Before schema 1 the licence was its own table (`content_license`), referenced by `license_id`."""
        if not self._has(LICENSE, "id", "license_name"):
            return {}
        described = "license_description" if "license_description" in self.columns[LICENSE] else "''"
        query = f"SELECT id, license_name, {described} FROM {LICENSE}"
        return {i: (text(name, 50), text(about, 2000)) for i, name, about in self.db.execute(query)}

    def files(self) -> dict[str, list[ChannelFile]]:
        """node id → its files, by priority: from content_localfile when it exists, else from content_file's own
        `checksum`, `extension` and `file_size` (before schema 1)."""
        if FILE not in self.columns or "contentnode_id" not in self.columns[FILE]:
            return {}
        have = self.columns[FILE]

        def f(name: str) -> str:
            return f"f.{name}" if name in have else "NULL"

        if self._has(LOCALFILE, "id") and "local_file_id" in have:
            local = self.columns[LOCALFILE]
            size = (
                "l.file_size_bigint"
                if "file_size_bigint" in local
                else "l.file_size"
                if "file_size" in local
                else "NULL"
            )
            source = f"{FILE} f LEFT JOIN {LOCALFILE} l ON l.id = f.local_file_id"
            checksum, extension = "f.local_file_id", "l.extension" if "extension" in local else "NULL"
            available = "l.available" if "available" in local else "1"
            upstream = "l.upstream_url" if "upstream_url" in local else "NULL"
        else:
            size = f("file_size_bigint") if "file_size_bigint" in have else f("file_size")
            source, checksum, extension, available = f"{FILE} f", f("checksum"), f("extension"), f("available")
            upstream = "NULL"
        query = (
            f"SELECT f.contentnode_id, {checksum}, {extension}, {size}, {f('preset')}, {f('supplementary')}, "
            f"{f('thumbnail')}, {f('lang_id')}, {available}, {f('priority')}, {f('included_presets')}, {upstream} "
            f"FROM {source}"
        )
        found: dict[str, list[ChannelFile]] = {}
        for node, md5, ext, nbytes, preset, supp, thumb, lang, avail, prio, included, url in self.db.execute(query):
            size_value = number(nbytes)
            extras = {k: v for k, v in zip(EXTRA_FILE_COLUMNS, (included, url)) if v is not None}
            found.setdefault(text(node, 64), []).append(
                ChannelFile(
                    checksum=text(md5, 64).lower(),
                    extension=text(ext, 40).lower(),
                    size=int(size_value) if size_value is not None and size_value >= 0 else None,
                    preset=text(preset, 150),
                    supplementary=flag(supp),
                    thumbnail=flag(thumb),
                    lang=self.lang(lang),
                    available=flag(avail),
                    priority=number(prio),
                    extras=extras,
                )
            )
        for listed in found.values():
            listed.sort(key=lambda c: (c.priority is None, c.priority or 0.0, c.preset, c.checksum))
        return found

    def tags(self) -> dict[str, list[str]]:
        if not (self._has(TAG, "id", "tag_name") and self._has(NODE_TAGS, "contentnode_id", "contenttag_id")):
            return {}
        query = (
            f"SELECT nt.contentnode_id, t.tag_name FROM {NODE_TAGS} nt "
            f"JOIN {TAG} t ON t.id = nt.contenttag_id ORDER BY t.tag_name"
        )
        found: dict[str, list[str]] = {}
        for node, name in self.db.execute(query):
            if tag := text(name, 60):
                found.setdefault(text(node, 64), []).append(tag)
        return found

    def assessments(self) -> dict[str, Assessment]:
        if not self._has(ASSESSMENT, "contentnode_id", "assessment_item_ids"):
            return {}
        have = self.columns[ASSESSMENT]
        cols = [c if c in have else "NULL" for c in ("number_of_assessments", "mastery_model", "randomize")]
        query = f"SELECT contentnode_id, assessment_item_ids, {', '.join(cols)} FROM {ASSESSMENT}"
        found: dict[str, Assessment] = {}
        for node, raw_ids, count, mastery, randomize in self.db.execute(query):
            ids, problem = _item_ids(raw_ids)
            counted = number(count)
            found[text(node, 64)] = Assessment(
                item_ids=ids,
                number_of_assessments=int(counted) if counted is not None and counted >= 0 else len(ids),
                mastery_model=text(mastery, 4000),
                randomize=flag(randomize),
                problem=problem,
            )
        return found


def _item_ids(raw: Any) -> tuple[tuple[str, ...], str]:
    """The JSON list of an exercise's item ids, or none and why."""
    value = text(raw, MAX_ITEM_IDS_CHARS + 1)
    if len(value) > MAX_ITEM_IDS_CHARS:
        return (), "its list of question ids is too long"
    try:
        parsed = json.loads(value)
    except (ValueError, RecursionError):
        return (), "its list of question ids is not JSON"
    if not isinstance(parsed, list) or not all(isinstance(i, str) and 0 < len(i) <= 100 for i in parsed):
        return (), "its list of question ids is not a list of ids"
    return tuple(parsed), ""
