"""Search under load on the 20,000-lesson synthetic library: index build, query latency, and a search storm.

python -m bench.search_load [--lessons N] [--storm-seconds S]

Prints the index build time and size, one client's query latency (p50/p95) over a fixed query mix, and
browsing latency (p99) of one client reading lesson pages, alone and during a storm of 16 searching clients
(wrk, or Python threads without it) against a real waitress server on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.cache import cached_folder, digest
from bench.load import load_tool, run_load
from bench.search_corpus import QUERIES, read_jsonl
from bench.servers import HOST, contentserver_command, free_port, serving
from bench.synthetic import REPO, lesson_ids, synthetic_library
from contentserver import create_app
from contentserver.library.importer import ImportLimits, import_library
from contentserver.search.engine import search

STORM_CLIENTS = 16
EXTRA_QUERIES = [
    "су",
    "water",
    "вода",
    "энергия",
    "energy",
    "Қазақстан",
    "Kazakhstan",
    "Казахстан",
    "алгоритм",
    "history",
    "тарих",
    "история",
    "жер",
    "планета",
    "planet",
    "сабақ",
    "lesson",
    "урок",
    "mektep",
    "oqushylar",
    "матем",
    "informat",
    "қабырға",
    "сердце",
    "heart",
    "jurek",
]
DB_CODE = (
    "contentserver/db.py",
    "contentserver/models.py",
    "contentserver/library/importer.py",
    "contentserver/library/format.py",
)  # what shapes the imported rows
# The code that shapes the index (queries, ranking and views do not): a change to it rebuilds the cached index.
INDEX_CODE = tuple(
    f"contentserver/search/{name}.py"
    for name in ("analysis", "folding", "kazakh_stem", "schema", "extract", "indexer", "segments")
)
BUILD_NOTE = "bench-index-build.txt"


def query_mix() -> list[str]:
    """The dev queries plus common one-word and prefix searches, in a fixed order."""
    return [q["q"] for q in read_jsonl(QUERIES)] + EXTRA_QUERIES


def _code_digest(names: tuple[str, ...] = DB_CODE) -> bytes:
    files = []
    for name in names:
        path = REPO / name
        files += sorted(path.rglob("*.py")) if path.is_dir() else [path]
    return b"".join(f.read_bytes() for f in files)


def lessons_without_index(library: Path) -> Path:
    """A data folder with the library imported but no search index built (so the build can be timed), cached."""

    def build(out: Path) -> None:
        print(f"  importing {library.name} without a search index (cached for later runs)…", flush=True)
        app = create_app({"DATA_DIR": str(out), "STARTER_LIBRARY": ""})
        app.extensions.pop("indexer").close()  # the importer then leaves indexing to the timed rebuild
        with app.app_context():
            import_library(library, app.extensions["object_store"], ImportLimits.from_config(app.config))
        shutil.rmtree(out / "index")

    return cached_folder(f"search-data-{library.name}-{digest(_code_digest())}", build)


def indexed_data(library: Path) -> tuple[Path, float, float]:
    """The data folder with its search index built from the rows (timed), cached per search code version;
    and the build's seconds and MiB."""
    base = lessons_without_index(library)

    def build(out: Path) -> None:
        print("  building the search index of the imported library (cached for later runs)…", flush=True)
        shutil.rmtree(out)
        working_copy(base, out)
        app = create_app({"DATA_DIR": str(out), "STARTER_LIBRARY": ""})  # no index yet: left to a rebuild
        indexer = app.extensions["indexer"]
        started = time.perf_counter()
        with app.app_context():
            indexer.rebuild()
        seconds = time.perf_counter() - started
        size = folder_mib(indexer.root / indexer.current_generation())
        indexer.close()
        (out / BUILD_NOTE).write_text(f"{seconds} {size}\n")

    key = digest(_code_digest(), _code_digest(INDEX_CODE))
    folder = cached_folder(f"search-indexed-{library.name}-{key}", build)
    seconds, size = map(float, (folder / BUILD_NOTE).read_text().split())
    return folder, seconds, size


def working_copy(source: Path, target: Path) -> Path:
    """A copy to write into: objects and index files are never changed, so they are hard links; the database
    is copied."""
    shutil.copytree(source, target, copy_function=os.link, ignore=shutil.ignore_patterns("library.sqlite*"))
    for db_file in source.glob("library.sqlite*"):
        shutil.copy2(db_file, target / db_file.name)
    return target


def folder_mib(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def process_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used: what a request costs, whatever the machine's load."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def timed_gets(
    port: int, paths: list[str], seconds: float | None = None, stop: threading.Event | None = None
) -> tuple[list[float], int]:
    """One keep-alive client: GET each path in turn (until `seconds` pass or `stop` is set); ms and non-200s."""
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    latencies, bad = [], 0
    deadline = time.monotonic() + seconds if seconds else None
    try:
        for i in range(10**9):
            if (
                (deadline and time.monotonic() > deadline)
                or (stop and stop.is_set())
                or (not deadline and not stop and i >= len(paths))
            ):
                break
            started = time.perf_counter()
            conn.request("GET", paths[i % len(paths)])
            response = conn.getresponse()
            response.read()
            latencies.append((time.perf_counter() - started) * 1000)
            bad += response.status != 200
    finally:
        conn.close()
    return latencies, bad


def engine_cpu_ms(data: Path) -> list[float]:
    """CPU milliseconds of each query of the mix in the search engine itself (no HTTP, no page): on a shared,
    busy machine wall-clock times mostly measure the other processes."""
    app = create_app({"DATA_DIR": str(data), "STARTER_LIBRARY": ""})
    indexer = app.extensions["indexer"]
    times = []
    with app.app_context():
        search(indexer, "warm up")
        for text in query_mix():
            started = time.process_time()
            search(indexer, text)
            times.append((time.process_time() - started) * 1000)
    indexer.close()
    return times


def storm_paths(count: int = 4000) -> list[str]:
    """Distinct two-word queries from the mix's words, so the storm is real searching, not the result cache."""
    words = sorted({w for q in query_mix() for w in q.split() if len(w) > 2})
    rng = random.Random(11)
    return search_paths(list(dict.fromkeys(f"{rng.choice(words)} {rng.choice(words)}" for _ in range(count))))


def search_paths(queries: list[str]) -> list[str]:
    return [f"/search?{urllib.parse.urlencode({'q': q})}" for q in queries]


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lessons", type=int, default=20_000)
    parser.add_argument("--storm-seconds", type=float, default=20.0)
    parser.add_argument("--browse-seconds", type=float, default=10.0)
    args = parser.parse_args([] if argv is None else argv)  # python -m bench calls main() bare
    library = synthetic_library(args.lessons)
    indexed, build_s, size = indexed_data(library)
    ids = lesson_ids(library)
    rng = random.Random(7)
    browse = [f"/lessons/{rng.choice(ids)}" for _ in range(5000)]
    print(f"index build: {args.lessons} lessons in {build_s:.1f} s, {size:.1f} MiB on disk")
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        data = working_copy(indexed, Path(tmp) / "data")
        cpu = engine_cpu_ms(data)
        print(
            f"search engine in-process, {len(cpu)} different queries, CPU time (what a quiet machine would "
            f"take): p50 {percentile(cpu, 50):.1f} ms, p95 {percentile(cpu, 95):.1f} ms"
        )
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
        env["CONTENTSERVER_STARTER_LIBRARY"] = ""
        with serving("contentserver", contentserver_command(data, port), port, env=env) as server:
            paths = search_paths(query_mix())
            timed_gets(port, browse[:20])
            rss_before = server.rss_mib()
            timed_gets(port, search_paths(["warm up"]))  # the searcher is open
            rss_first = server.rss_mib()
            cpu_before = process_cpu_s(server.process.pid)
            cold, bad = timed_gets(port, paths)
            server_cpu = (process_cpu_s(server.process.pid) - cpu_before) * 1000 / len(paths)
            repeated, bad_repeated = timed_gets(port, paths * 3)
            print(
                f"search latency, one client over HTTP, {len(cold)} different queries: "
                f"p50 {percentile(cold, 50):.1f} ms, p95 {percentile(cold, 95):.1f} ms (target p95 < 50 ms); "
                f"asked again (result cache): p50 {percentile(repeated, 50):.1f} ms, "
                f"p95 {percentile(repeated, 95):.1f} ms; non-200: {bad + bad_repeated}"
            )
            print(f"server CPU per search over HTTP (engine, page, waitress): {server_cpu:.1f} ms")

            alone, _ = timed_gets(port, browse, seconds=args.browse_seconds)
            print(
                f"browsing alone: {len(alone)} lesson pages, p50 {percentile(alone, 50):.1f} ms, "
                f"p99 {percentile(alone, 99):.1f} ms"
            )

            stop, during = threading.Event(), {}

            def browser() -> None:
                during["ms"], during["bad"] = timed_gets(port, browse[len(alone) :] + browse, stop=stop)

            reader = threading.Thread(target=browser)
            reader.start()
            storm = run_load(
                f"http://{HOST}:{port}", storm_paths(), seconds=args.storm_seconds, connections=STORM_CLIENTS
            )
            stop.set()
            reader.join()
            ms = during["ms"]
            print(
                f"search storm ({load_tool()}): {STORM_CLIENTS} clients for {args.storm_seconds:.0f} s, "
                f"{storm.requests} requests ({storm.rps:.0f}/s), {storm.bad_status} turned away busy (503), "
                f"{(storm.requests - storm.bad_status) / args.storm_seconds:.0f} searches served/s, "
                f"p95 {storm.p95_ms:.1f} ms"
            )
            print(
                f"browsing during the storm: {len(ms)} lesson pages, p50 {statistics.median(ms):.1f} ms, "
                f"p99 {percentile(ms, 99):.1f} ms (target < 300 ms), non-200: {during['bad']}"
            )
            print(f"browsing p99: {percentile(alone, 99):.1f} ms alone vs {percentile(ms, 99):.1f} ms in the storm")
            rss_after = server.rss_mib()
            print(
                f"server RSS: {rss_before:.1f} MiB after 20 lesson pages, {rss_first:.1f} MiB after the first "
                f"search, {rss_after:.1f} MiB after the storm"
            )
    return {
        "index_build_s": build_s,
        "index_mib": size,
        "search_cpu_p50_ms": percentile(cpu, 50),
        "search_cpu_p95_ms": percentile(cpu, 95),
        "search_p50_ms": percentile(cold, 50),
        "search_p95_ms": percentile(cold, 95),
        "server_cpu_per_search_ms": server_cpu,
        "search_cached_p95_ms": percentile(repeated, 95),
        "browse_p99_ms": percentile(alone, 99),
        "browse_p99_storm_ms": percentile(ms, 99),
        "storm_requests": storm.requests,
        "storm_busy": storm.bad_status,
        "storm_ok_rps": (storm.requests - storm.bad_status) / args.storm_seconds,
        "rss_before_search_mib": rss_before,
        "rss_first_search_mib": rss_first,
        "rss_after_storm_mib": rss_after,
    }


if __name__ == "__main__":
    main(sys.argv[1:])
