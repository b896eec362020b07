"""Memory and latency across library sizes (2k → 20k → 100k lessons): RSS and lesson/search p95 should stay flat.

python -m bench.scaling [--build N]: measure every size whose data folder is built within the time budget
(BENCH_BUILD_BUDGET_S, default 240 s per size; a size built once is cached outside the repo), or only build N.
Importing 100,000 lessons takes longer than a bench run on a small or busy machine: build it once beforehand
with `python -m bench.scaling --build 100000`; until then that size is reported as not measured.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from .load import CONNECTIONS, SECONDS, LoadResult, median_result, run_load
from .servers import REPO, contentserver_command, free_port, get, serving
from .synthetic import imported_data, lesson_ids, synthetic_library
from .workload import hot_lessons, ok_rps, paths, search_rounds

SIZES = (2_000, 20_000, 100_000)
ROUNDS = 2
BUILD_BUDGET_S = float(os.environ.get("BENCH_BUILD_BUDGET_S", "240"))


def built_data(lessons: int, budget_s: float = BUILD_BUDGET_S) -> tuple[Path, list[str]] | None:
    """The imported data folder of a synthetic library and its lesson ids, if it is (or gets) built in time.

    The build runs in a child process killed at the budget; the cache never keeps a half-built folder.
    """
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.scaling", "--build", str(lessons)],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=budget_s,
        )
    except subprocess.TimeoutExpired:
        return None
    if done.returncode != 0:
        raise RuntimeError(f"building {lessons} lessons failed:\n{done.stderr[-2000:]}")
    library = synthetic_library(lessons)  # cached now: returns at once
    return imported_data(library), lesson_ids(library)


def measure_size(data_dir: Path, ids: list[str], queries: list[list[str]]) -> dict:
    """One server over one size: cold start, RSS idle and after lesson and search load, their p95."""
    lessons = paths("/lessons/{q}", hot_lessons(ids))
    port = free_port()
    with serving("contentserver", contentserver_command(data_dir, port), port, ready_path=lessons[0]) as server:
        for path in lessons:
            get(server.base_url, path)
        idle = server.rss_mib()
        loads: dict[str, list[LoadResult]] = {"lesson": [], "search": []}
        for r in range(ROUNDS):
            loads["lesson"].append(run_load(server.base_url, lessons, SECONDS, CONNECTIONS))
            loads["search"].append(run_load(server.base_url, paths("/search?q={q}", queries[r]), SECONDS, CONNECTIONS))
        after = server.rss_mib()
        cold, cold_cpu = server.cold_start_s, server.cold_start_cpu_s
    medians = {name: median_result(rs) for name, rs in loads.items()}
    return {
        "lessons": len(ids),
        "cold_start_s": cold,
        "cold_start_cpu_s": cold_cpu,
        "rss_idle_mib": idle,
        "rss_after_mib": after,
        **{
            f"{name}_{k}": v
            for name, r in medians.items()
            for k, v in (("ok_rps", ok_rps(r)), ("p95_ms", r.p95_ms), ("failed", r.errors + r.bad_status))
        },
    }


def measure(sizes: tuple[int, ...] = SIZES) -> list[dict]:
    """A row per size; sizes not built within the budget are rows saying so."""
    queries = search_rounds(ROUNDS, seed=23)
    rows = []
    for lessons in sizes:
        found = built_data(lessons)
        rows.append(measure_size(*found, queries) if found else {"lessons": lessons, "missing": True})
    return rows


def print_table(rows: list[dict], console: Console) -> None:
    table = Table(
        title=f"Across library sizes: one server, {CONNECTIONS} connections, medians of {ROUNDS} rounds × {SECONDS:g} s"
    )
    for column in (
        "lessons",
        "cold start s (CPU s)",
        "RSS idle MiB",
        "RSS after MiB",
        "lesson req/s",
        "lesson p95 ms",
        "search req/s",
        "search p95 ms",
        "failed",
    ):
        table.add_column(column, justify="right")
    for row in rows:
        if row.get("missing"):
            table.add_row(
                f"{row['lessons']:,}",
                f"not built within {BUILD_BUDGET_S:.0f} s: python -m bench.scaling --build {row['lessons']}",
                *[""] * 7,
            )
            continue
        table.add_row(
            f"{row['lessons']:,}",
            f"{row['cold_start_s']:.2f} ({row['cold_start_cpu_s']:.2f})",
            f"{row['rss_idle_mib']:.1f}",
            f"{row['rss_after_mib']:.1f}",
            f"{row['lesson_ok_rps']:,.0f}",
            f"{row['lesson_p95_ms']:.1f}",
            f"{row['search_ok_rps']:,.0f}",
            f"{row['search_p95_ms']:.1f}",
            f"{row['lesson_failed'] + row['search_failed']:,}",
        )
    console.print(table)


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=int, help="only build (and cache) the data folder of this many lessons")
    args = parser.parse_args(argv)
    if args.build:
        print(imported_data(synthetic_library(args.build)))
        return []
    rows = measure()
    print_table(rows, Console(highlight=False, width=130))
    return rows


if __name__ == "__main__":
    main(sys.argv[1:])
