"""Serve contentserver with waitress: python run.py --host 127.0.0.1 --port 8080 --data DIR."""

from __future__ import annotations

import argparse
import ctypes
import os
import signal
import sys

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD, M_ARENA_MAX = -1, -3, -8  # mallopt(3)
# glibc's tunables: (parameter, value, the environment variable that still decides if set).
MALLOC_TUNING = (
    (M_ARENA_MAX, 2, "MALLOC_ARENA_MAX"),
    (M_MMAP_THRESHOLD, 128 * 1024, "MALLOC_MMAP_THRESHOLD_"),
    (M_TRIM_THRESHOLD, 128 * 1024, "MALLOC_TRIM_THRESHOLD_"),
)


def _tune_malloc() -> None:
    """glibc gives threads that allocate at once malloc arenas of their own (up to 8 per core), each keeping what
    it freed; under one GIL two are plenty. And once a big block (a search's buffers, the suggest table's build)
    is freed, glibc raises its mmap threshold (up to 32 MiB), so later big blocks come from the heap and stay
    there: the default 128 KiB held fixed gives them back. What each saves: docs/performance.md. Set before
    waitress starts its threads."""
    try:
        libc = ctypes.CDLL(None)
        for parameter, value, variable in MALLOC_TUNING:
            if variable not in os.environ:
                libc.mallopt(parameter, value)
    except (OSError, AttributeError):  # not glibc: nothing to tune
        pass


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the school's content library on the LAN.")
    parser.add_argument("--host", default="0.0.0.0", help="address to listen on (default: every LAN interface)")
    parser.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    parser.add_argument("--data", default=None, help="data folder (default: $CONTENTSERVER_DATA_DIR or instance/)")
    parser.add_argument(
        "--threads",
        type=int,
        default=24,
        help="worker threads (default 24: searches waiting for "
        "their turn each hold one, SEARCH_MAX_WAITING, and browsing keeps the rest)",
    )
    parser.add_argument(
        "--trusted-proxy",
        default="127.0.0.1",
        help="with TRUSTED_PROXY_COUNT > 0, the front (nginx) whose X-Forwarded-* headers are believed; "
        "anyone else's are removed (default 127.0.0.1)",
    )
    args = parser.parse_args(argv)
    _tune_malloc()  # before the app's imports allocate, so they too live under the tuned malloc
    return serve_library(args)


def serve_library(args: argparse.Namespace) -> int:
    """Open the data folder's web app, import the starter library into an empty one, then serve until stopped."""
    from contentserver.books.indexing import start_book_indexer
    from contentserver.library.format import ManifestError
    from contentserver.library.importer import ImportLimits, import_if_empty
    from contentserver.mdns import start_announcing
    from contentserver.search.background import rebuild_in_background
    from contentserver.serving import proxy_options, serve
    from contentserver.startup import app_or_exit
    from contentserver.video.worker import start_video_worker
    from contentserver.web import create_app

    app = app_or_exit("contentserver", args.data, 2, create_app)
    with app.app_context():
        try:
            result = import_if_empty(
                app.config["STARTER_LIBRARY"], app.extensions["object_store"], ImportLimits.from_config(app.config)
            )
        except ManifestError as exc:
            print(f"contentserver: the starter library was refused: {exc}", file=sys.stderr)
            return 2
        if result:
            print(
                f"imported starter library {result.library_id} v{result.version}: {len(result.added)} lessons",
                flush=True,
            )
    if rebuild_in_background(app):
        print("rebuilding the search index in the background; pages are served meanwhile", flush=True)
    start_book_indexer(app)  # books' search indexes build in a thread, resuming where a kill stopped them
    start_video_worker(app)  # videos get their phone-sized copies at low priority, resuming after a kill
    print(f"serving on http://{args.host}:{args.port}/ from {app.config['DATA_DIR']}", flush=True)
    # Behind a trusted proxy the app's ProxyFix reads X-Forwarded-*; waitress removes them unless the
    # connection comes from that proxy.
    # channel_request_lookahead: waitress keeps reading a connection while its request runs, so it notices a
    # client that left, and a search still waiting its turn for that client is skipped (views/search.py).
    announcer = start_announcing(app.config, args.host, args.port, lambda line: print(line, flush=True))
    if announcer is not None:
        # systemd stops the server with SIGTERM: as SystemExit, waitress returns, and the box says goodbye on mDNS
        signal.signal(signal.SIGTERM, _exit_on_sigterm)
    try:
        serve(
            app,
            host=args.host,
            port=args.port,
            threads=args.threads,
            ident="contentserver",
            **proxy_options(app.config["TRUSTED_PROXY_COUNT"], args.trusted_proxy),
            channel_request_lookahead=1,
        )
    finally:
        if announcer is not None:
            announcer.stop()
    return 0


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(0)


if __name__ == "__main__":
    sys.exit(main())
