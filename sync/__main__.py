"""python -m sync pull|push [--data DIR] [--quiet] [--hub URL] | run [--data DIR]: the sync job's command line
(exit codes: docs/sync.md; `run` is the long-lived service of sync/service.py)."""

from __future__ import annotations

import argparse
import sys

from contentserver.startup import app_or_exit

from .errors import EXIT_NOT_CONFIGURED
from .runner import pull_all, push_all
from .service import run_service, stop_on_signals


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sync", description="Sync this school with its hub.")
    sub = parser.add_subparsers(dest="verb", required=True)
    for verb, what in (
        ("pull", "fetch and install the hub's newest library version"),
        ("push", "send the lessons teachers shared, and the connectivity report, to the hub"),
    ):
        one = sub.add_parser(verb, help=what)
        one.add_argument("--data", default=None, help="data folder (default: $CONTENTSERVER_DATA_DIR or instance/)")
        one.add_argument("--quiet", action="store_true", help="no progress display (for timers); errors still shown")
        one.add_argument("--hub", default=None, help=f"{verb} only this configured hub URL")
    run = sub.add_parser("run", help="pull on a schedule as a long-lived service (one per data folder)")
    run.add_argument("--data", default=None, help="data folder (default: $CONTENTSERVER_DATA_DIR or instance/)")
    args = parser.parse_args(argv)
    app = app_or_exit("sync", args.data, EXIT_NOT_CONFIGURED)
    with app.app_context():
        if args.verb == "run":
            return run_service(app, stop_on_signals(), announce=lambda line: print(line, flush=True))
        if args.verb == "push":
            return push_all(app, quiet=args.quiet, url=args.hub)
        return pull_all(app, quiet=args.quiet, url=args.hub)


if __name__ == "__main__":
    sys.exit(main())
