"""Serve contentserver with waitress: python run.py --host 127.0.0.1 --port 8080 --data DIR."""
from __future__ import annotations

import argparse
import ctypes
import os
import sys

from waitress import serve

from contentserver.library.format import ManifestError
from contentserver.library.importer import ImportLimits, import_if_empty
from contentserver.search.background import rebuild_in_background
from contentserver.startup import app_or_exit

M_ARENA_MAX = -8  # mallopt(3)


def _two_malloc_arenas() -> None:
    """glibc gives threads that allocate at once malloc arenas of their own (up to 8 per core), each keeping what
    it freed; under one GIL two are plenty (~3 MiB less after load, docs/performance.md). Set before waitress
    starts its threads; MALLOC_ARENA_MAX in the environment still decides."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return
    try:
        ctypes.CDLL(None).mallopt(M_ARENA_MAX, 2)
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the school's content library on the LAN.")
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on (default: every LAN interface)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    parser.add_argument("--data", default=None, help="data folder (default: $CONTENTSERVER_DATA_DIR or instance/)")
    parser.add_argument("--threads", type=int, default=24, help="worker threads (default 24: searches waiting for "
                        "their turn each hold one, SEARCH_MAX_WAITING, and browsing keeps the rest)")
    args = parser.parse_args(argv)
    _two_malloc_arenas()
    app = app_or_exit("contentserver", args.data, 2)
    with app.app_context():
        try:
            result = import_if_empty(app.config["STARTER_LIBRARY"], app.extensions["object_store"],
                                     ImportLimits.from_config(app.config))
        except ManifestError as exc:
            print(f"contentserver: the starter library was refused: {exc}", file=sys.stderr)
            return 2
        if result:
            print(f"imported starter library {result.library_id} v{result.version}: {len(result.added)} lessons",
                  flush=True)
    if rebuild_in_background(app):
        print("rebuilding the search index in the background; pages are served meanwhile", flush=True)
    print(f"serving on http://{args.host}:{args.port}/ from {app.config['DATA_DIR']}", flush=True)
    # Behind a trusted proxy the app's ProxyFix reads X-Forwarded-*; waitress would otherwise remove them.
    # channel_request_lookahead: waitress keeps reading a connection while its request runs, so it notices a
    # client that left, and a search still waiting its turn for that client is skipped (views/search.py).
    serve(app, host=args.host, port=args.port, threads=args.threads, ident="contentserver",
          clear_untrusted_proxy_headers=app.config["TRUSTED_PROXY_COUNT"] == 0, channel_request_lookahead=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
