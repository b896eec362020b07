"""Load generation on 127.0.0.1: Debian's wrk over a list of paths, or a bounded Python fallback; medians of rounds."""

from __future__ import annotations

import http.client
import os
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import urlsplit

CONNECTIONS = 16
THREADS = 2
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))

# Each wrk thread walks the path list from its own offset; done() prints one line the bench parses.
WRK_SCRIPT = r"""
local paths, counter, threads = {}, 0, 0
function setup(thread) threads = threads + 1; thread:set("offset", threads * 7919) end
function init(args)
  for line in io.lines(args[1]) do if #line > 0 then paths[#paths + 1] = line end end
  counter = (offset or 0) % #paths
end
function request()
  counter = counter % #paths + 1
  return wrk.format("GET", paths[counter])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCHRESULT %d %d %d %d %d %d %d %d %d\n", summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout, e.status, latency:percentile(50), latency:percentile(90),
    latency:percentile(95), latency:percentile(99), latency.max))
end
"""


@dataclass(frozen=True)
class LoadResult:
    """One round (or the median of rounds): throughput, latency percentiles in ms, and failures."""

    rps: float
    p50_ms: float
    p90_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    requests: int
    errors: int  # connect/read/write errors and timeouts
    bad_status: int  # responses that were not 2xx/3xx


def median_result(results: Sequence[LoadResult]) -> LoadResult:
    """Field by field median of several rounds (the machine is shared and noisy)."""
    values = {}
    for f in fields(LoadResult):
        median = statistics.median(getattr(r, f.name) for r in results)
        values[f.name] = int(median) if f.type in (int, "int") else median
    return LoadResult(**values)


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


def _check_local(base_url: str) -> str:
    host = urlsplit(base_url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"load is only ever sent to this machine, not {host}")
    return base_url.rstrip("/")


def run_wrk(
    base_url: str,
    paths: Sequence[str],
    seconds: float = SECONDS,
    connections: int = CONNECTIONS,
    threads: int = THREADS,
    headers: Mapping[str, str] | None = None,
) -> LoadResult:
    """One bounded wrk run cycling over `paths`, sending `headers` with every request."""
    base_url = _check_local(base_url)
    with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
        script, path_list = Path(tmp) / "paths.lua", Path(tmp) / "paths.txt"
        script.write_text(WRK_SCRIPT)
        path_list.write_text("\n".join(paths) + "\n")
        out = subprocess.run(
            [
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "5s",
                *(arg for k, v in (headers or {}).items() for arg in ("-H", f"{k}: {v}")),
                "-s",
                str(script),
                base_url + "/",
                "--",
                str(path_list),
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
        )
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCHRESULT ")), None)
    if out.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({out.returncode}): {out.stderr.strip() or out.stdout.strip()}")
    n, duration_us, errors, status, p50, p90, p95, p99, most = map(int, line.split()[1:])
    return LoadResult(
        rps=n / (duration_us / 1e6),
        p50_ms=p50 / 1000,
        p90_ms=p90 / 1000,
        p95_ms=p95 / 1000,
        p99_ms=p99 / 1000,
        max_ms=most / 1000,
        requests=n,
        errors=errors,
        bad_status=status,
    )


def run_python(
    base_url: str,
    paths: Sequence[str],
    seconds: float = SECONDS,
    connections: int = CONNECTIONS,
    headers: Mapping[str, str] | None = None,
) -> LoadResult:
    """A bounded keep-alive load in threads, for machines without wrk (slower: it shares the GIL and the cores)."""
    parts = urlsplit(_check_local(base_url))
    deadline = time.monotonic() + seconds
    latencies: list[list[float]] = [[] for _ in range(connections)]
    failures = [[0, 0] for _ in range(connections)]

    def client(k: int) -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
        i = k * 7919
        try:
            while time.monotonic() < deadline:
                i += 1
                started = time.perf_counter()
                try:
                    conn.request("GET", paths[i % len(paths)], headers=dict(headers or {}))
                    response = conn.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException):
                    failures[k][0] += 1
                    conn.close()
                    continue
                latencies[k].append(time.perf_counter() - started)
                failures[k][1] += response.status >= 400
        finally:
            conn.close()

    workers = [threading.Thread(target=client, args=(k,)) for k in range(connections)]
    started = time.monotonic()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.monotonic() - started
    all_ms = sorted(x * 1000 for per in latencies for x in per) or [0.0]

    def pct(p: float) -> float:
        return all_ms[min(len(all_ms) - 1, int(p / 100 * len(all_ms)))]

    return LoadResult(
        rps=len(all_ms) / elapsed,
        p50_ms=pct(50),
        p90_ms=pct(90),
        p95_ms=pct(95),
        p99_ms=pct(99),
        max_ms=all_ms[-1],
        requests=len(all_ms),
        errors=sum(f[0] for f in failures),
        bad_status=sum(f[1] for f in failures),
    )


def run_load(
    base_url: str,
    paths: Sequence[str],
    seconds: float = SECONDS,
    connections: int = CONNECTIONS,
    headers: Mapping[str, str] | None = None,
) -> LoadResult:
    """One round with wrk if installed, else the Python fallback."""
    if have_wrk():
        return run_wrk(base_url, paths, seconds, connections, headers=headers)
    return run_python(base_url, paths, seconds, connections, headers=headers)


def interleaved_rounds(
    targets: dict[str, tuple], rounds: int = ROUNDS, seconds: float = SECONDS, connections: int = CONNECTIONS
) -> dict[str, list[LoadResult]]:
    """Rounds that alternate between targets (name -> (base URL, paths[, headers])), so noise from the shared
    machine falls on all of them alike; ratios between targets of the same run are the figures that mean something."""
    results: dict[str, list[LoadResult]] = {name: [] for name in targets}
    for _ in range(rounds):
        for name, (base_url, paths, *extra) in targets.items():
            headers = extra[0] if extra else None
            results[name].append(run_load(base_url, paths, seconds, connections, headers=headers))
    return results


def load_tool() -> str:
    return "wrk" if have_wrk() else "python fallback (wrk not installed)"
