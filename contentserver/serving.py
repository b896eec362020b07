"""waitress spools request bodies in the data folder, not /tmp (a tmpfs in RAM on a Pi)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

SPOOL_FOLDER = "tmp"


def spool_in(data_dir: Path | str) -> Path:
    """Make DATA_DIR/tmp, emptied of leftovers, tempfile's default folder for this process: waitress buffers a body
    over inbuf_overflow (and a slow client's response over outbuf_overflow) in tempfile.TemporaryFile(), with no
    folder option; nothing else in the server uses the default folder."""
    folder = Path(data_dir) / SPOOL_FOLDER
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    tempfile.tempdir = str(folder)
    return folder
