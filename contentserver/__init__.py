"""contentserver: an offline-first educational content server for small remote schools.

`create_app` (contentserver/web.py) is the web server's app; jobs (the sync job, the CLI) open the core app of
contentserver/core.py, which loads no page, blueprint or WSGI layer (docs/architecture.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .web import create_app as create_app


def __getattr__(name: str) -> Any:
    """`from contentserver import create_app` loads the web layer only when asked for."""
    if name == "create_app":
        from .web import create_app

        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
