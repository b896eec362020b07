"""Does sync yield on a weak link? Goodput, added latency and share under competition, across a real weaklink.

Root only: makes its own `weaklink` (unique --name) per rate, runs nginx on the hub side and the clients on the
school side (`python -m bench.weak_link --client MODE URL SECONDS`, one process each), and removes it all.
Small requests are one round trip each on a kept-alive connection, every 250 ms. About 3.5 minutes.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
WEAKLINK = REPO.parent / "shared" / "tools" / "weaklink"
HUB, PORT = "10.250.0.1", 8080
RATES = (("64kbit", 64_000), ("512kbit", 512_000), ("2mbit", 2_000_000))
BIG_BYTES = 24 * 1024 * 1024
NGINX = """daemon off; worker_processes 1; user root; pid {run}/nginx.pid; error_log {run}/error.log crit;
events {{ worker_connections 64; }}
http {{ access_log off; sendfile on; tcp_nopush on; keepalive_timeout 120; keepalive_requests 100000;
  default_type application/octet-stream;
  client_body_temp_path {run}/b; proxy_temp_path {run}/p; fastcgi_temp_path {run}/f; uwsgi_temp_path {run}/u;
  scgi_temp_path {run}/s;
  server {{ listen {host}:{port}; root {root}; }} }}
"""


# ---- clients: run inside the school's namespace, print one JSON object, exit ----


def _progress(count, seconds: float) -> None:
    """Print [[unix time, bytes so far, *details], ...] every 0.25 s for `seconds`, then leave at once."""
    samples, end = [], time.time() + seconds
    while time.time() < end:
        samples.append([time.time(), *count()])
        time.sleep(0.25)
    samples.append([time.time(), *count()])
    print(json.dumps({"samples": samples}), flush=True)
    os._exit(0)


def client_sync(url: str, seconds: float, cap_kbit: float = 0) -> None:
    """Our sync's real transfer path (HubClient with a Pacer) fetching a big object, for `seconds`."""
    from contentserver.ratelimit import RateCap
    from sync.pacing import Pacer, PacingConfig
    from sync.transfer import HubClient

    pacer = Pacer(PacingConfig(cap=RateCap(int(cap_kbit))))
    client = HubClient(url, 256 * 1024, timeout=30, give_up=60, backoff_max=5, pacer=pacer)
    work = Path(tempfile.mkdtemp(prefix="wl-sync-"))
    thread = threading.Thread(
        target=client.fetch, args=("big.bin", work / "big.part", BIG_BYTES, "0" * 64), daemon=True
    )
    thread.start()
    try:
        _progress(lambda: (pacer.bytes_read, pacer.rate, pacer.queuing_delay()), seconds)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def client_plain(url: str, seconds: float) -> None:
    """A plain bulk download (default socket buffers, unpaced): the school's own competing traffic."""
    parts = urlsplit(url)
    got = [0]

    def run() -> None:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        conn.request("GET", parts.path + "big.bin")
        response = conn.getresponse()
        while block := response.read(65536):
            got[0] += len(block)

    threading.Thread(target=run, daemon=True).start()
    _progress(lambda: (got[0],), seconds)


def client_ping(url: str, seconds: float) -> None:
    """A small GET every 250 ms on a kept-alive connection: [[sent at, seconds to the whole answer], ...]."""
    parts = urlsplit(url)
    conn, times, end = None, [], time.time() + seconds
    while time.time() < end:
        started = time.time()
        try:
            conn = conn or http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            conn.request("GET", parts.path + "small.txt")
            conn.getresponse().read()
            times.append([started, time.time() - started])
        except (OSError, http.client.HTTPException):
            conn = None
        time.sleep(max(0.0, started + 0.25 - time.time()))
    print(json.dumps({"pings": times}), flush=True)


CLIENTS = {"sync": client_sync, "plain": client_plain, "ping": client_ping}


# ---- the harness: root, one weaklink per rate ----


@contextmanager
def weak_link(name: str, rate: str) -> Iterator[str]:
    """A weaklink with a 1 s modem buffer and nginx on its hub side serving big.bin and small.txt."""
    run = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    nginx = None
    try:
        subprocess.run(
            [str(WEAKLINK), "up", "--name", name, "--rate", rate, "--buffer-ms", "1000"],
            check=True,
            capture_output=True,
        )
        root = run / "www"
        root.mkdir()
        (root / "big.bin").write_bytes(os.urandom(BIG_BYTES))
        (root / "small.txt").write_text("ok\n")
        (run / "nginx.conf").write_text(NGINX.format(run=run, root=root, host=HUB, port=PORT))
        nginx = subprocess.Popen(
            ["ip", "netns", "exec", f"{name}-hub", "nginx", "-c", str(run / "nginx.conf"), "-p", str(run)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not (run / "nginx.pid").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.3)
        yield f"http://{HUB}:{PORT}/"
    finally:
        if nginx is not None:
            nginx.terminate()
            nginx.wait(10)
        subprocess.run([str(WEAKLINK), "down", "--name", name], capture_output=True)
        shutil.rmtree(run, ignore_errors=True)


def start(name: str, mode: str, url: str, seconds: float, *extra: float) -> subprocess.Popen:
    """One client in the school's namespace."""
    return subprocess.Popen(
        [
            "ip",
            "netns",
            "exec",
            f"{name}-school",
            sys.executable,
            "-m",
            "bench.weak_link",
            "--client",
            mode,
            url,
            str(seconds),
            *map(str, extra),
        ],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )


def result(proc: subprocess.Popen) -> dict:
    out, _ = proc.communicate(timeout=60)
    return json.loads(out.strip().splitlines()[-1])


def bytes_between(samples: list, t0: float, t1: float) -> float:
    """Bytes a client received between two unix times (from its progress samples)."""

    def at(t: float) -> float:
        return max((b for ts, b, *_ in samples if ts <= t), default=0)

    return at(t1) - at(t0)


def hub_sent_bytes(name: str) -> int:
    """Bytes the hub has put on the link so far (the shaper's own counter: headers and all)."""
    out = subprocess.run(
        ["ip", "netns", "exec", f"{name}-hub", "tc", "-s", "qdisc", "show", "dev", f"{name}-h"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return int(out.split(" Sent ", 1)[1].split(" bytes", 1)[0])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def measure(name: str, rate: str, bits: int) -> dict:
    """The four phases on one link: idle pings, a plain download, our sync alone, our sync under competition."""
    with weak_link(name, rate) as url:
        idle = [s for _, s in result(start(name, "ping", url, 6))["pings"]]
        plain = start(name, "plain", url, 11)
        time.sleep(3)
        loaded = [s for _, s in result(start(name, "ping", url, 8))["pings"]]
        result(plain)
        time.sleep(1.5)
        sync = start(name, "sync", url, 24)
        time.sleep(4)
        during = [s for _, s in result(start(name, "ping", url, 18))["pings"]]
        samples = result(sync)["samples"]
        goodput = bytes_between(samples, samples[0][0], samples[-1][0]) * 8 / bits / (samples[-1][0] - samples[0][0])
        time.sleep(1.5)
        sync = start(name, "sync", url, 21)
        time.sleep(6)
        rival = result(start(name, "plain", url, 14))["samples"]
        ours = result(sync)["samples"]
        t0, t1 = rival[0][0] + 3, rival[-1][0]
        mine, theirs = bytes_between(ours, t0, t1), bytes_between(rival, t0, t1)
    return {
        "rate": rate,
        "goodput": goodput,
        "trace": ours,
        "rival": rival,
        "idle": idle,
        "loaded": loaded,
        "during": during,
        "share": mine / max(mine + theirs, 1),
    }


def ms(values: list[float], q: float) -> float:
    return percentile(values, q) * 1000


def main() -> dict | None:
    """Print the table and the 512 kbit/s summary line (last); return the figures per rate."""
    if os.geteuid() != 0:
        print("weak link: skipped (needs root for network namespaces)")
        return None
    name = f"wlb{os.getpid() % 100000}"
    print(f"{'link':>8} | goodput | idle p50/p95 ms | plain download p50/p95 | our sync p50/p95 | added p95 | share")
    rows, figures = [], {}
    for rate, bits in RATES:
        row = measure(name, rate, bits)
        rows.append(row)
        added = ms(row["during"], 0.95) - ms(row["idle"], 0.95)
        figures[rate] = {
            "goodput_pct": round(row["goodput"] * 100, 1),
            "added_p95_ms": round(added),
            "share_under_competition_pct": round(row["share"] * 100, 1),
            **{
                f"{phase}_p{q}_ms": round(ms(row[phase], q / 100))
                for phase in ("idle", "loaded", "during")
                for q in (50, 95)
            },
        }
        print(
            f"{rate:>8} | {row['goodput']:6.0%} | {ms(row['idle'], 0.5):6.0f} / {ms(row['idle'], 0.95):6.0f} | "
            f"{ms(row['loaded'], 0.5):6.0f} / {ms(row['loaded'], 0.95):6.0f} | "
            f"{ms(row['during'], 0.5):6.0f} / {ms(row['during'], 0.95):6.0f} | {added:6.0f} | {row['share']:4.0%}",
            flush=True,
        )
    row = next(r for r in rows if r["rate"] == "512kbit")
    added = ms(row["during"], 0.95) - ms(row["idle"], 0.95)
    print(
        f"weak link 512kbit: goodput {row['goodput'] * 100:.0f}% of link, added p95 {added:.0f} ms, "
        f"share under competition {row['share'] * 100:.0f}%"
    )
    return figures


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--client", choices=sorted(CLIENTS))
    parser.add_argument("args", nargs="*")
    options = parser.parse_args()
    if options.client:
        CLIENTS[options.client](options.args[0], *map(float, options.args[1:]))
    else:
        main()
