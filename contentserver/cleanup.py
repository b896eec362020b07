"""`contentserver gc` and the sync job's clean-up: the library's sweep, told what the share queue and a hub's
review queue still need (the library knows neither)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from .hub.review import kept_objects
from .library.gc import Freed, sweep
from .outbox import pinned_objects


def collect(app: Flask, grace: float) -> Freed:
    """Delete staging leftovers and unreferenced objects older than `grace` seconds; call with the sync lock held
    (library/gc.py's `exclusive`)."""
    # A hub's pushed lessons under review (or approved) keep their files; a school's push resumes with the very
    # objects it pinned, even if a lesson changed since.
    kept = kept_objects() | pinned_objects()
    return sweep(Path(app.config["DATA_DIR"]), app.extensions["object_store"], grace, kept)
