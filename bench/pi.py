"""A Pi-sized run: the contentserver load with the server pinned to one core and its memory capped.

The cap is a cgroup's MemoryMax through `systemd-run --scope` where systemd runs, else `prlimit --as` (address
space, a stricter bound than resident memory: threads' stacks and malloc arenas count). The load generator runs
on the other core(s).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from .load import CONNECTIONS, SECONDS, median_result, run_load
from .servers import contentserver_command, free_port, get, serving
from .synthetic import imported_data, lesson_ids, synthetic_library
from .workload import hot_lessons, ok_rps, paths, search_rounds

CORE = 0
MEMORY_MIB = int(os.environ.get("BENCH_PI_MEMORY_MIB", "512"))  # a Raspberry Pi 3 has 1 GiB for everything
ROUNDS = 2


def _systemd_scope_works() -> bool:
    if shutil.which("systemd-run") is None:
        return False
    probe = subprocess.run(
        ["systemd-run", "--scope", "--quiet", "-p", f"MemoryMax={MEMORY_MIB}M", "true"], capture_output=True, timeout=30
    )
    return probe.returncode == 0


def capped(command: list[str]) -> tuple[list[str], str]:
    """`command` pinned to one core with its memory capped, and how it was capped."""
    pinned = ["taskset", "-c", str(CORE), *command]
    if _systemd_scope_works():
        return (
            ["systemd-run", "--scope", "--quiet", "-p", f"MemoryMax={MEMORY_MIB}M", *pinned],
            f"systemd-run MemoryMax={MEMORY_MIB} MiB",
        )
    return (
        ["prlimit", f"--as={MEMORY_MIB * 2**20}", "--", *pinned],
        f"prlimit --as={MEMORY_MIB} MiB (address space; no systemd here)",
    )


def measure(data_dir: Path, lessons: list[str], searches: list[str]) -> dict:
    """Start the capped server, load lesson pages and searches from the other cores; does it still serve?"""
    command, how = capped(contentserver_command(data_dir, port := free_port()))
    others = sorted(set(os.sched_getaffinity(0)) - {CORE}) or [CORE]
    os.sched_setaffinity(0, others)  # wrk, started from here, inherits the other cores
    try:
        with serving("contentserver-pi", command, port, ready_path=lessons[0]) as server:
            for path in lessons:
                get(server.base_url, path)
            results = {
                name: median_result([run_load(server.base_url, load, SECONDS, CONNECTIONS) for _ in range(ROUNDS)])
                for name, load in (("lesson", lessons), ("search", searches))
            }
            rss, alive = server.rss_mib(), server.process.poll() is None
            cold = server.cold_start_s
    except RuntimeError as exc:  # it did not start under the cap
        return {
            "cap": how,
            "serves": False,
            "error": str(exc)[-500:],
            "lesson": {"ok_rps": 0.0},
            "search": {"ok_rps": 0.0},
        }
    finally:
        os.sched_setaffinity(0, others + [CORE])
    figures = {name: vars(r) | {"ok_rps": ok_rps(r)} for name, r in results.items()}
    return {
        "cap": how,
        "core": CORE,
        "cold_start_s": cold,
        "rss_after_mib": rss,
        **figures,
        "serves": alive and figures["lesson"]["ok_rps"] > 0 and figures["lesson"]["errors"] == 0,
    }


def print_table(figures: dict, console: Console) -> None:
    table = Table(
        title=f"Pi-sized run: server on core {CORE}, {figures['cap']}, {CONNECTIONS} connections, "
        f"medians of {ROUNDS} rounds × {SECONDS:g} s"
    )
    for column in ("page", "ok req/s", "p50 ms", "p95 ms", "p99 ms", "failed"):
        table.add_column(column, justify="left" if column == "page" else "right")
    if "error" in figures:
        table.add_row("did not start", figures["error"], "", "", "", "")
    else:
        for name in ("lesson", "search"):
            r = figures[name]
            table.add_row(
                name,
                f"{r['ok_rps']:,.0f}",
                f"{r['p50_ms']:.1f}",
                f"{r['p95_ms']:.1f}",
                f"{r['p99_ms']:.1f}",
                f"{r['errors'] + r['bad_status']:,}",
            )
        table.caption = (
            f"cold start {figures['cold_start_s']:.2f} s, RSS after load {figures['rss_after_mib']:.1f} "
            f"MiB, still serving: {'yes' if figures['serves'] else 'NO'}"
        )
    console.print(table)


def main() -> dict:
    library = synthetic_library(20_000)
    lessons = paths("/lessons/{q}", hot_lessons(lesson_ids(library)))
    figures = measure(imported_data(library), lessons, paths("/search?q={q}", search_rounds(1)[0]))
    print_table(figures, Console(highlight=False, width=130))
    return figures


if __name__ == "__main__":
    sys.exit(0 if main()["serves"] else 1)
