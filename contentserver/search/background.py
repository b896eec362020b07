"""The web server rebuilds an outdated search index in a thread, so after an upgrade it answers at once."""

from __future__ import annotations

import logging
import threading

from flask import Flask

log = logging.getLogger(__name__)


def rebuild_in_background(app: Flask) -> threading.Thread | None:
    """Start rebuilding the index when it is missing or of another format (None when it is usable). Searches
    answer "being rebuilt" meanwhile; a kill leaves the old pointer, so the next start begins again."""
    indexer = app.extensions["indexer"]
    if not indexer.outdated():
        return None

    def run() -> None:
        try:
            with app.app_context():
                indexer.rebuild_if_outdated()
        except Exception:
            log.exception("the search index could not be rebuilt; run `contentserver reindex`")
            return
        log.warning("search index rebuilt")

    thread = threading.Thread(target=run, name="search-rebuild", daemon=True)
    thread.start()
    return thread
