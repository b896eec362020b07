"""Compiled templates kept in the data folder, so a restart does not compile them again for its first pages."""

from __future__ import annotations

from pathlib import Path

from jinja2 import FileSystemBytecodeCache
from jinja2.bccache import Bucket

FOLDER = "template-cache"


class TemplateCache(FileSystemBytecodeCache):
    """Jinja's file cache, except that a full, unwritable or unreadable disk only means the template is compiled
    again: pages keep being served when the disk fills (a sync or an upload may fill it)."""

    def load_bytecode(self, bucket: Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except OSError:
            pass

    def dump_bytecode(self, bucket: Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def template_cache(data_dir: Path) -> TemplateCache | None:
    """The cache in DATA_DIR/template-cache, or none when that folder cannot be made."""
    folder = Path(data_dir) / FOLDER
    try:
        folder.mkdir(exist_ok=True)
    except OSError:
        return None
    return TemplateCache(str(folder))
