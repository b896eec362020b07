"""waitress spools request bodies in the data folder (not /tmp, a tmpfs in RAM on a Pi) and no larger than the app takes."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any, Mapping

from flask import Flask

from .views.access import largest_upload_body
from .views.intake import MAX_JSON_BYTES

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


def largest_body(config: Mapping[str, Any]) -> int:
    """The largest request body the app accepts: an upload form, or on a hub a push's JSON (its objects come in
    chunks of 256 KiB, whatever PUSH_MAX_OBJECT_BYTES)."""
    return max(largest_upload_body(config), MAX_JSON_BYTES if config["HUB_MODE"] else 0)


def waitress_options(app: Flask) -> dict[str, Any]:
    """serve()'s keyword arguments for the request spool; waitress answers 413 to a body of max_request_body_size
    bytes or more, before reading it."""
    spool_in(app.config["DATA_DIR"])
    return {"max_request_body_size": largest_body(app.config) + 1}
