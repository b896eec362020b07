"""What counting costs (issue 23): lesson-page throughput of run.py with USAGE_COUNTS on and off, 16 clients.

python -m bench.usage: two servers over the starter library (content/), one counting every page view and timing
every request, one with neither; interleaved rounds of wrk (or the Python fallback) over every lesson page, so the
shared machine's noise falls on both alike. Reports requests/s, p95 and the cost in percent; then checks that the
counting server counted every page it served (flushed when it is stopped).
"""

from __future__ import annotations

import os
import sqlite3
import statistics
import tempfile
from pathlib import Path

from .load import CONNECTIONS, LoadResult, load_tool, run_load
from .servers import REPO, contentserver_command, free_port, get, serving


def _lesson_paths() -> list[str]:
    return sorted(f"/lessons/{folder.name}" for folder in (REPO / "content").iterdir() if folder.is_dir())


def _videos_converted(data_dir: Path, timeout: float = 600) -> None:
    """Wait until the starter library's videos have their copies: ffmpeg is a child of the server, so its CPU
    would count as the pages' and its core would be taken from the load (it ran during the first rounds)."""
    import time

    waiting = (
        "SELECT count(*) FROM attachments WHERE kind = 'video' AND sha256 NOT IN "
        "(SELECT sha256 FROM video_jobs WHERE state IN ('done', 'failed'))"
    )
    deadline = time.monotonic() + timeout
    while True:
        with sqlite3.connect(data_dir / "library.sqlite", timeout=30) as conn:
            if conn.execute(waiting).fetchone()[0] == 0:
                return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the videos of {data_dir} were not converted in {timeout:g} s")
        time.sleep(0.5)


def _env(counting: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    env["CONTENTSERVER_USAGE_COUNTS"] = "1" if counting else "0"
    return env


ROUNDS, SECONDS = int(os.environ.get("BENCH_ROUNDS", "6")), float(os.environ.get("BENCH_SECONDS", "3"))


def _rounds(servers: dict, paths: list[str]) -> dict[str, list[tuple[LoadResult, float]]]:
    """Alternating rounds; each gives the load's result and the server's CPU microseconds per request, which
    other programs on a shared machine disturb far less than they disturb throughput."""
    out: dict[str, list[tuple[LoadResult, float]]] = {name: [] for name in servers}
    for round_ in range(ROUNDS):
        order = list(servers.items())
        for name, server in order if round_ % 2 == 0 else order[::-1]:  # neither always goes first
            before = server.cpu_s()
            result = run_load(server.base_url, paths, SECONDS, CONNECTIONS)
            out[name].append((result, (server.cpu_s() - before) / max(result.requests, 1) * 1e6))
    return out


def layer_us(calls: int = 200_000) -> float:
    """The counting layer's own CPU per request, in process: a lesson page's 200 through the layer minus the same
    call without it (medians of 5), in microseconds; a figure the shared machine hardly moves."""
    import time

    from contentserver.health import RequestStats
    from contentserver.usage.counter import UsageCounter
    from contentserver.views.usage_layer import UsageLayer

    headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "3000"), ("ETag", '"x"')]

    def page(environ, start_response):
        start_response("200 OK", headers)
        return [b""]

    layer = UsageLayer(page, UsageCounter("Asia/Almaty"), RequestStats())
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/lessons/math-circle-kk"}

    def per_call(app) -> float:
        started = time.process_time()
        for _ in range(calls):
            app(environ, lambda status, headers: None)
        return (time.process_time() - started) / calls * 1e6

    return statistics.median(per_call(layer) - per_call(page) for _ in range(5))


def main() -> dict:
    paths = _lesson_paths()
    with tempfile.TemporaryDirectory(prefix="bench-usage-") as tmp:
        on_dir, off_dir = Path(tmp) / "on", Path(tmp) / "off"
        on_port, off_port = free_port(), free_port()
        with (
            serving("counting", contentserver_command(on_dir, on_port), on_port, env=_env(True)) as on,
            serving("not counting", contentserver_command(off_dir, off_port), off_port, env=_env(False)) as off,
        ):
            for data_dir in (on_dir, off_dir):
                _videos_converted(data_dir)
            for server in (on, off):  # every page rendered once: the rounds measure cached lesson pages
                for path in paths:
                    get(server.base_url, path)
            rounds = _rounds({"on": on, "off": off}, paths)
            on.stop()
        served = sum(r.requests for r, _cpu in rounds["on"]) + len(paths)  # wrk's requests and the warm-up
        counted = (
            sqlite3.connect(on_dir / "library.sqlite")
            .execute("SELECT coalesce(sum(count), 0) FROM usage_counts WHERE kind = 'lesson'")
            .fetchone()[0]
        )
    on_rps, off_rps = (statistics.median(r.rps for r, _cpu in rounds[name]) for name in ("on", "off"))
    on_cpu, off_cpu = (statistics.median(cpu for _r, cpu in rounds[name]) for name in ("on", "off"))
    ratios = [a.rps / b.rps for (a, _), (b, _) in zip(rounds["on"], rounds["off"], strict=True)]
    cost = (1 - statistics.median(ratios)) * 100
    cpu_cost = (on_cpu / off_cpu - 1) * 100
    print(f"usage counting: {CONNECTIONS} clients, {ROUNDS} rounds of {SECONDS:g} s, {load_tool()}")
    print(f"  over the {len(paths)} lesson pages of content/")
    for label, name, rps, cpu in (("off", "off", off_rps, off_cpu), ("on: ", "on", on_rps, on_cpu)):
        p95 = statistics.median(r.p95_ms for r, _cpu in rounds[name])
        print(f"  counting {label} {rps:8.0f} req/s  p95 {p95:.1f} ms  server CPU {cpu:.0f} us/request")
    print(f"  cost: {cpu_cost:.1f}% CPU per request (medians of {ROUNDS} rounds)")
    print(f"  cost: {cost:.1f}% of throughput (per-round ratios {', '.join(f'{r:.3f}' for r in ratios)}: noisy)")
    layer = layer_us()
    share = layer / off_cpu * 100
    print(f"  the layer alone, in process: {layer:.1f} us/request = {share:.1f}% of a lesson page's CPU")
    print(f"  lesson views served {served}, counted {counted} (wrk may end mid-request: counted >= served is fine)")
    return {
        "rps_on": on_rps,
        "rps_off": off_rps,
        "cpu_us_on": on_cpu,
        "cpu_us_off": off_cpu,
        "cpu_cost_percent": cpu_cost,
        "throughput_cost_percent": cost,
        "layer_us": layer,
        "layer_cost_percent": layer / off_cpu * 100,
        "served": served,
        "counted": counted,
    }


if __name__ == "__main__":
    main()
