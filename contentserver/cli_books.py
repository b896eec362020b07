"""`contentserver import` of ZIM files: each becomes a book, with a progress bar while it is copied and checked."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn, TransferSpeedColumn

from .books.importer import import_zim
from .books.sources import find_zims
from .library.format import MANIFEST_NAME
from .library.source import SOURCE_HEADER
from .terminal import make_console

console = make_console()
err_console = make_console(stderr=True)


def is_library(path: Path) -> bool:
    """A library folder (built, source form or a USB export) rather than ZIM files."""
    return path.is_dir() and ((path / MANIFEST_NAME).is_file() or (path / SOURCE_HEADER).is_file())


def import_zims(app: Flask, path: Path, subject: str | None = None, quiet: bool = False) -> int:
    """Import every ZIM at `path` (a file, the first part of a split one, or a folder); returns how many."""
    groups = find_zims(path)
    if not groups and not is_library(path):
        err_console.print(f"{path}: no library (manifest.json, library.toml) and no ZIM files (.zim, .zimaa) here")
        raise SystemExit(2)
    store, reserve = app.extensions["object_store"], app.config["DISK_RESERVE_BYTES"]
    for parts in groups:
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
            console=err_console,
            transient=True,
            disable=quiet,
        )
        with progress:
            task = progress.add_task(f"copying {parts[0].name}", total=sum(p.stat().st_size for p in parts))

            def advance(done: int, total: int, task=task, progress=progress) -> None:
                progress.update(task, completed=done, total=total)
                if done == total:
                    progress.update(task, description="checking (libzim, checksum)")

            result = import_zim(parts, store, reserve, advance, subject=subject)
        verb = {"added": "added", "replaced": "replaced the older ZIM of", "unchanged": "already installed:"}
        console.print(
            f"{verb[result.outcome]} book {result.book_id} ({result.title}): "
            f"{result.article_count:,} articles, {result.size:,} bytes"
        )
    return len(groups)
