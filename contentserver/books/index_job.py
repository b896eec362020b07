"""The book indexer as a job of its own: `python -m contentserver.books.index_job --data DIR`.

The server runs it as a child process rather than a thread: indexing is CPU-bound Python, so in a thread it
took the GIL from page requests, and Whoosh's segment writing and merging left the server's heap hundreds of
MiB larger (414 MiB peak at 20,000 articles, docs/performance.md "Books"); a child returns that memory when it
exits. It dies with the server (PR_SET_PDEATHSIG), and a kill of either loses at most one batch.
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m contentserver.books.index_job", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--data", required=True, help="the data folder")
    args = parser.parse_args(argv)
    from .. import create_app
    from .indexing import index_pending

    app = create_app({"DATA_DIR": args.data})
    index_pending(app)
    from ..channels.exercises import exercise_text
    from ..channels.textindex import index_channels

    with app.app_context():  # channels a sync brought in (an import indexes its own)
        index_channels(app.config["DATA_DIR"], app.extensions["object_store"], exercise_text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
