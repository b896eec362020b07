"""`make bench`: run every benchmark module in order, each printing its own figures.

python -m bench [NAME ...] [--json FILE]: NAMEs pick modules from REGISTRY (default: all). A module exposes
`main()` (or `main(argv)`, called with []), which prints its table and may return a dict of figures; --json
writes them all to FILE. Optional modules that are not written yet are skipped with a note.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import signal
import sys
import time
import traceback
from pathlib import Path

# (module under bench/, required): add new benchmarks here, in the order they should run.
REGISTRY: tuple[tuple[str, bool], ...] = (
    ("browse", True),
    ("search_quality", False),
    ("search_realtext", False),  # issue 18: real-text Kazakh and Russian passages, four ways of typing Kazakh
    ("kazakh_morphology", False),  # issue 18: conflation on hunspell-kk's inflection tables
    ("search_load", False),
    ("sync_wire", False),
    ("peers", False),  # issue 9: kiwix-serve, nginx, hello side by side; sizes; Pi-sized run
    ("books", False),  # issue 16: a ZIM imported, indexed, served and searched beside kiwix-serve
    ("render", False),  # issue 15.1: pathological Markdown before/after, the render workers' overhead
    ("kolibri", False),  # issue 17: reading and planning a 20,000-resource Kolibri channel
    ("practice", False),  # issue 21: 40 devices answering a quiz at the same moment
    ("video", False),  # issue 22: transcode speed and sizes, browsing p99 while ffmpeg runs, bytes low vs all
    ("video_pull", False),  # issue 22: bytes on the wire of a pull, VIDEO_PULL=low vs all, one 1080p clip
    ("usage", False),  # issue 23: lesson-page throughput with usage counting on and off
)


def _load(name: str):
    try:
        return importlib.import_module(f"bench.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"bench.{name}":
            return None
        raise


def _exit_on_sigterm(signum, frame) -> None:
    """`timeout` or a kill ends the run through SystemExit, so servers are stopped and temporary folders go."""
    sys.exit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    signal.signal(signal.SIGTERM, _exit_on_sigterm)
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"modules to run (default all: {', '.join(n for n, _ in REGISTRY)})")
    parser.add_argument("--json", type=Path, help="also write every module's figures to this file")
    args = parser.parse_args(argv)
    known = {name for name, _ in REGISTRY}
    unknown = [name for name in args.names if name not in known]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(sorted(known))}")

    figures, failed = {}, []
    for name, required in REGISTRY:
        if args.names and name not in args.names:
            continue
        module = _load(name)
        if module is None:
            if required:
                failed.append(name)
            print(f"== bench.{name}: not written yet, skipped", flush=True)
            continue
        print(f"== bench.{name}", flush=True)
        started = time.monotonic()
        try:
            # A module's own argparse must not read our command line: give it an empty one.
            takes_argv = bool(inspect.signature(module.main).parameters)
            figures[name] = (module.main([]) if takes_argv else module.main()) or {}
        except Exception:  # one broken benchmark must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
        print(f"== bench.{name}: {time.monotonic() - started:.0f} s", flush=True)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False, default=str) + "\n")
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
