"""Where the web server's memory goes under the peers bench's loads: RSS (anonymous / file) after each load kind.

python -m bench.memory --data DIR --lessons 20000 [--tree CHECKOUT ...] [--runs 3]: run.py on a built data folder
(a cached one: the server writes only its WAL and caches), 500 lesson pages read once, then wrk loads of lesson
pages, the search page, /api/search and /api/suggest as bench.peers sends them; RSS read from /proc after each
phase. Each --tree (e.g. `git archive` of two commits) runs its own run.py on the same data, byte-compiled, runs
alternating, so before/after figures come from the same minutes of a shared machine; without --tree, this
checkout. Medians of the runs.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

from .load import CONNECTIONS, SECONDS, run_load
from .servers import REPO, byte_compiled, contentserver_command, free_port, get, serving, status_kib
from .synthetic import lesson_ids, synthetic_library
from .workload import hot_lessons, paths, prefixes, search_rounds

FIELDS = ("VmRSS", "RssAnon", "RssFile")
SETTLE_S = 0.5  # after a load, let waitress finish its last answers before reading


def one_run(tree: Path, data_dir: Path, ids: list[str], seconds: float) -> dict[str, dict[str, int]]:
    """One server from start to the end of the suggest load: memory after each phase."""
    lessons = paths("/lessons/{q}", hot_lessons(ids))
    queries, api_queries = search_rounds(2)
    loads = {
        "lesson load": lessons,
        "search load": paths("/search?q={q}", queries),
        "/api/search load": paths("/api/search?q={q}", api_queries),
        "/api/suggest load": paths("/api/suggest?q={q}", prefixes()),
    }
    port = free_port()
    command = contentserver_command(data_dir, port)
    command[1] = str(tree / "run.py")
    phases = {}
    with serving("contentserver", command, port, ready_path=lessons[0]) as server:
        pid = server.process.pid
        phases["first lesson page"] = status_kib(pid, FIELDS)
        for path in lessons:
            get(server.base_url, path)
        phases["500 lesson pages read"] = status_kib(pid, FIELDS)
        for name, load in loads.items():
            run_load(server.base_url, load, seconds, CONNECTIONS)
            time.sleep(SETTLE_S)
            phases[f"after {name}"] = status_kib(pid, FIELDS)
    return phases


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="a built data folder (not modified)")
    parser.add_argument("--lessons", type=int, default=20_000, help="its synthetic library's size (lesson ids)")
    parser.add_argument("--tree", type=Path, action="append", default=[], help="a checkout to run (repeatable)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=SECONDS, help="each load's length")
    args = parser.parse_args(argv)
    ids = lesson_ids(synthetic_library(args.lessons))
    trees = [tree.resolve() for tree in args.tree] or [REPO]
    for tree in trees:
        byte_compiled(tree)
    runs: dict[Path, list[dict]] = {tree: [] for tree in trees}
    for _ in range(args.runs):
        for tree in trees:
            runs[tree].append(one_run(tree, args.data, ids, args.seconds))
    out = {}
    for tree, results in runs.items():
        print(f"\n{tree} ({args.lessons:,} lessons, medians of {len(results)} runs, MiB)")
        print(f"  {'phase':<26}" + "".join(f"{f:>9}" for f in FIELDS) + "   runs (VmRSS)")
        out[str(tree)] = {}
        for phase in results[0]:
            medians = {f: statistics.median(r[phase][f] for r in results) / 1024 for f in FIELDS}
            out[str(tree)][phase] = medians
            each = ", ".join(f"{r[phase]['VmRSS'] / 1024:.1f}" for r in results)
            print(f"  {phase:<26}" + "".join(f"{medians[f]:>9.1f}" for f in FIELDS) + f"   {each}")
    return out


if __name__ == "__main__":
    main(sys.argv[1:])
