"""Installing a Kolibri export as libraries of format version 3: one library `kolibri-<channel id>` a channel.

Each planned file is read once from the drive, checked against its md5 name and written into the object store
under its sha256 (a file shared by channels or lessons is stored once). The channel's tree becomes one JSON
object; the manifest naming it goes through the ordinary importer, so versions, the single transaction and the
"current library untouched on error" rule are the library's own.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..db import db
from ..library.fields import ObjectRef
from ..library.format import MANIFEST_NAME, Manifest, manifest_bytes
from ..library.format_channels import ChannelEntry
from ..library.importer import ImportLimits, ImportResult, import_library
from ..library.objects import ObjectStore
from ..models import InstalledLibrary
from .plan import ChannelPlan, PlannedFile, plan_import
from .storage import ChannelStorage
from .summary import Summary, summarize

TREE_FORMAT = "contentserver-kolibri-tree"
Progress = Callable[[int], None]  # bytes of one more file copied
# A channel's version says when it changed; the manifest's `created` must not change on a re-import of the same
# version (else the same channel would be a new library), so it is fixed.
CREATED = "2000-01-01T00:00:00Z"


def _clean(value: str, limit: int, fallback: str) -> str:
    """Text the manifest accepts (printable, bounded): a channel's name may hold anything."""
    kept = "".join(c for c in value if unicodedata.category(c) != "Cc").strip()[:limit]
    return kept or fallback


def _copy_file(store: ObjectStore, storage: ChannelStorage, file: PlannedFile) -> tuple[Path, ObjectRef]:
    """Copy one storage file into staging, refusing it unless it hashes to its md5 name; named later."""
    digest, size = hashlib.sha256(), 0
    fd, tmp_name = tempfile.mkstemp(dir=store.staging, prefix="kolibri-", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out:
            for chunk in storage.chunks(file.checksum, file.extension):  # raises at the end on an md5 mismatch
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp, ObjectRef(digest.hexdigest(), size)


def _store_files(
    store: ObjectStore, storage: ChannelStorage, files: list[PlannedFile], progress: Progress | None = None
) -> dict[str, ObjectRef]:
    """md5 → the object each file became. Thousands of small files are made durable together: all are written
    to staging, one sync() puts their bytes on disk, and only then are they renamed into the store (a file's
    sha256 name is never on a file whose bytes may be lost), and one more sync() keeps the renames. An fsync a
    file cost 28,000 disk flushes for the benchmark channel."""
    stored: dict[str, ObjectRef] = {}
    written: list[tuple[Path, str]] = []
    try:
        for file in files:
            if file.checksum in stored:
                continue
            tmp, ref = _copy_file(store, storage, file)
            stored[file.checksum] = ref
            if progress is not None:
                progress(ref.size)
            if store.has(ref.sha256):
                tmp.unlink()
            else:
                written.append((tmp, ref.sha256))
        os.sync()
        for tmp, sha in written:
            final = store.path(sha)
            final.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp, final)
        os.sync()
    finally:
        for tmp, _sha in written:
            tmp.unlink(missing_ok=True)
    return stored


def _tree(plan: ChannelPlan, stored: dict[str, ObjectRef]) -> dict[str, Any]:
    """Topics and resources in the channel's order, each file named by its sha256."""
    nodes: list[dict[str, Any]] = []
    for topic in plan.topics:
        nodes.append(
            {
                "id": topic.id,
                "parent": topic.parent_id,
                "kind": topic.kind,
                "title": topic.title,
                "description": topic.description,
            }
        )
    for resource in plan.resources:
        node = resource.node
        files = [
            {
                "sha256": stored[f.checksum].sha256,
                "size": stored[f.checksum].size,
                "preset": f.preset,
                "extension": f.extension,
                "role": f.role,
                "lang": f.lang,
            }
            for f in resource.files
        ]
        nodes.append(
            {
                "id": node.id,
                "parent": node.parent_id,
                "kind": node.kind,
                "title": node.title,
                "description": node.description,
                "author": node.author,
                "license_name": node.license_name,
                "license_owner": node.license_owner,
                "license_description": node.license_description,
                "lang": node.lang,
                "tags": list(node.tags),
                "files": files,
                "questions": resource.questions,
                "not_available": resource.not_available,
                "mastery_model": node.assessment.mastery_model if node.assessment else None,
                "item_ids": list(node.assessment.item_ids) if node.assessment else [],
            }
        )
    position = {node_id: i for i, node_id in enumerate(plan.order)}
    nodes.sort(key=lambda node: position.get(node["id"], len(position)))  # topics and resources interleaved
    info = plan.info
    return {
        "format": TREE_FORMAT,
        "channel": {
            "id": info.id,
            "name": info.name,
            "description": info.description,
            "author": info.author,
            "version": info.version,
            "root": info.root_id,
        },
        "nodes": nodes,
    }


def channel_manifest(
    plan: ChannelPlan, store: ObjectStore, storage: ChannelStorage, progress: Progress | None = None
) -> Manifest:
    """Copy the plan's files into the store and describe the channel as a one-channel library."""
    planned = [file for resource in plan.resources for file in resource.files]
    stored = _store_files(store, storage, planned, progress)
    tree = json.dumps(_tree(plan, stored), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    tree_ref = ObjectRef(store.put_bytes(tree), len(tree))
    title = _clean(plan.info.name, 200, f"Kolibri channel {plan.info.id[:8]}")
    files = tuple(sorted(set(stored.values()), key=lambda ref: ref.sha256))
    entry = ChannelEntry(plan.info.id, title, plan.info.version, tree_ref, files)
    return Manifest(f"kolibri-{plan.info.id}", title, max(1, plan.info.version), CREATED, channels=(entry,))


def install_export(
    path: Path,
    store: ObjectStore,
    limits: ImportLimits,
    channel: str | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> list[tuple[Summary, ImportResult]]:
    """Plan every channel (refusing a disk too small before copying), then install each as its own library.
    `progress(channel name, bytes copied, bytes to copy)` is called after each file."""
    plans = plan_import(path, channel, destination=store.root)
    storage = ChannelStorage(plans[0].info.database.parent.parent.parent) if plans else None
    done: list[tuple[Summary, ImportResult]] = []
    for plan in plans:
        assert storage is not None
        library_id = f"kolibri-{plan.info.id}"
        installed = db.session.get(InstalledLibrary, library_id)
        if installed is not None and installed.version == max(1, plan.info.version):
            # the same channel version: nothing to copy (the tree an older contentserver wrote may differ in bytes)
            done.append((summarize(plan), ImportResult(library_id, installed.version, unchanged=True)))
            continue
        copied, total = 0, plan.bytes_to_copy

        def step(size: int, name: str = plan.info.name, total: int = total) -> None:
            nonlocal copied
            copied += size
            if progress is not None:
                progress(name, copied, total)

        manifest = channel_manifest(plan, store, storage, step)
        folder = Path(tempfile.mkdtemp(dir=store.staging, prefix="kolibri-library-"))
        try:
            (folder / MANIFEST_NAME).write_bytes(manifest_bytes(manifest))  # its objects are all in the store
            done.append((summarize(plan), import_library(folder, store, limits)))
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    return done
