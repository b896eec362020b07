"""Each installed channel's search index: its resources through the lessons' own analyzers and schema.

One Whoosh index per tree object, in `channels-index/<tree sha256>-f<INDEX_FORMAT>c<REVISION>/`, as books have one per
ZIM, so the lessons' query planner and BM25F ranker read it unchanged. A tree never changes (a new channel
version is a new tree), so an index is built whole into a temporary folder and renamed: it is there complete
or not at all. Indexed: title, description, tags, exercise questions, subtitle text and PDF text (a PDF over
MAX_PDF_BYTES is left to its title: reading it costs more than it finds). A resource without a language takes
the channel's: trees written since 2026-12-06 carry the nearest topic's language on such a resource; for older
trees it is the language most of the channel's resources name.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from whoosh.filedb.filestore import FileStorage

from ..library.objects import ObjectStore
from ..search.analysis import LANGS
from ..search.extract import pdf_text, vtt_text
from ..search.schema import INDEX_FORMAT, build_schema
from .catalog import InstalledChannel, list_channels, load_tree
from .tree import Node

FOLDER = "channels-index"
MAX_PDF_BYTES = 20 << 20
KIND = "channel"  # the `kinds` every channel document carries
# What a channel index holds beyond the lessons' INDEX_FORMAT; a new revision rebuilds every channel's index
# (the index job does it, the old folder is removed). 2: a resource without a language takes the channel's;
# exercise questions with pictures are indexed (their pictures' alt text).
REVISION = 2
ExerciseText = Callable[[ObjectStore, Node], str]  # an exercise's questions as text (exercises.py)


def index_root(data_dir: Path) -> Path:
    return Path(data_dir) / FOLDER


def index_dir(data_dir: Path, tree_sha256: str) -> Path:
    return index_root(data_dir) / f"{tree_sha256}-f{INDEX_FORMAT}c{REVISION}"


def channel_lang(resources: list[Node]) -> str | None:
    """The language most of the channel's resources name (None when none names one)."""
    counted = Counter(node.lang for node in resources if node.lang)
    return counted.most_common(1)[0][0] if counted else None


def _extra(node: Node, store: ObjectStore) -> str:
    parts = []
    for file in node.files:
        if not store.has(file.sha256):
            continue
        if file.role == "subtitle" and file.extension == "vtt":
            parts.append(vtt_text(store.read_bytes(file.sha256)))
        elif file.role == "main" and file.extension == "pdf" and file.size <= MAX_PDF_BYTES:
            parts.append(pdf_text(store.read_bytes(file.sha256)))
    return "\n".join(p for p in parts if p)


def document(
    channel_id: str, node: Node, store: ObjectStore, questions: str = "", channel_lang: str | None = None
) -> dict:
    """The index document of one resource (in its own language, else the channel's); a language other than kk,
    ru and en is searched by folded forms."""
    node_lang = node.lang or channel_lang
    lang = node_lang if node_lang in LANGS else None
    doc = {
        "id": node.id,
        "lang": node_lang or "",
        "script": "",
        "subject": "",
        "grade": "0",
        "topic": f"{channel_id}/{node.id}",
        "kinds": f"{KIND} {node.kind}",
        "title": node.title,
    }
    texts = {
        "title": node.title,
        "body": "\n".join(t for t in (node.description, questions) if t),
        "tags": " ".join(node.tags),
        "extra": _extra(node, store),
    }
    for part, value in texts.items():
        if value:
            if part == "title":
                doc["title_exact"] = value
            doc[f"{part}_key"] = value
            if lang:
                doc[f"{part}_stem_{lang}"] = value
    return doc


def build_index(
    data_dir: Path, store: ObjectStore, channel: InstalledChannel, exercise_text: ExerciseText | None = None
) -> Path:
    """Index every resource of the channel (whole, then renamed into place); returns the index folder."""
    folder = index_dir(data_dir, channel.tree_sha256)
    if folder.is_dir():
        return folder
    tree = load_tree(store, channel)
    folder.parent.mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".building-"))
    try:
        ix = FileStorage(str(building)).create_index(build_schema())
        writer = ix.writer(limitmb=64)
        try:
            resources = tree.resources()
            fallback = channel_lang(resources)
            for node in resources:
                questions = exercise_text(store, node) if exercise_text and node.kind == "exercise" else ""
                writer.add_document(**document(tree.id, node, store, questions, fallback))
            writer.commit()
        except BaseException:
            writer.cancel()
            raise
        finally:
            ix.close()
        (building / "channel.json").write_text(json.dumps({"channel": channel.id, "title": channel.title}))
        try:
            building.rename(folder)
        except OSError:
            if not folder.is_dir():  # else another process built the same tree's index meanwhile
                raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return folder


def unindexed(data_dir: Path, store: ObjectStore) -> list[InstalledChannel]:
    return [c for c in list_channels(store) if not index_dir(data_dir, c.tree_sha256).is_dir()]


def index_channels(data_dir: Path, store: ObjectStore, exercise_text: ExerciseText | None = None) -> int:
    """Build the index of every installed channel that has none and drop those of channels gone; returns how many
    were built. Called after `contentserver import` and by the server's index job (a pull brings channels too)."""
    channels = list_channels(store)
    built = 0
    for channel in channels:
        if not index_dir(data_dir, channel.tree_sha256).is_dir():
            build_index(data_dir, store, channel, exercise_text)
            built += 1
    root = index_root(data_dir)
    keep = {index_dir(data_dir, c.tree_sha256).name for c in channels}
    if root.is_dir():
        for folder in root.iterdir():
            if folder.is_dir() and folder.name not in keep and not folder.name.startswith(".building-"):
                shutil.rmtree(folder, ignore_errors=True)
    return built
