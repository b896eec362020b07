"""Books (issue 16): import and index a generated ZIM, then serve and search it beside kiwix-serve.

python -m bench.books [--articles N]: N defaults to the issue's 250,000 (a run of ~1 hour on 2 cores, most of it
writing the ZIM once into the cache); use --articles 20000 for a quick look. Figures: import time, index build
rate (articles/s), index size ÷ ZIM size, indexer peak RSS, article page req/s p50/p99 and full-text search
req/s p50/p95 at 16 clients for waitress (alone and behind deploy/nginx.conf) and kiwix-serve over the same ZIM,
CPU ms per search, the server's memory (all, anonymous, mapped files) after start, the pages and the searches.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
import urllib.parse
from contextlib import ExitStack
from pathlib import Path

from .books_zim import NAME, bench_zim
from .front import fronted_contentserver, have_nginx
from .load import CONNECTIONS, ROUNDS, SECONDS, interleaved_rounds, load_tool, median_result
from .servers import HOST, contentserver_command, free_port, serving, status_kib

DEFAULT_ARTICLES = 250_000
BOOK_ID = NAME.replace("_", "-")
QUERIES = 40
INDEX_SCRIPT = """
import json, resource, sys, time
from contentserver import create_app
from contentserver.books.indexing import index_pending
app = create_app({"DATA_DIR": sys.argv[1], "STARTER_LIBRARY": ""})
started = time.monotonic()
index_pending(app)
print(json.dumps({"seconds": time.monotonic() - started,
                  "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    env["CONTENTSERVER_STARTER_LIBRARY"] = ""
    return env


def folder_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def import_and_index(zim: Path, data: Path) -> dict[str, float]:
    started = time.monotonic()
    subprocess.run(
        [str(Path(sys.executable).parent / "contentserver"), "import", str(zim), "--data", str(data)],
        check=True,
        env=_env(),
        stdout=subprocess.DEVNULL,
    )
    import_s = time.monotonic() - started
    done = subprocess.run(
        [sys.executable, "-c", INDEX_SCRIPT, str(data)], check=True, env=_env(), capture_output=True, text=True
    )
    indexed = json.loads(done.stdout.strip().splitlines()[-1])
    return {
        "import_s": import_s,
        "index_s": indexed["seconds"],
        "indexer_peak_rss_mib": indexed["peak_rss_mib"],
        "index_bytes": folder_bytes(data / "books-index"),
    }


def query_words(count: int) -> list[str]:
    """Words of the articles' own vocabulary (from the shared corpus), a seeded draw."""
    from .books_zim import sentences

    words = sorted({w for s in sentences() for w in s.split() if w.isalpha() and len(w) >= 5})
    return random.Random(7).sample(words, count)


def memory_mib(pid: int) -> dict[str, float]:
    """Resident memory of the server in MiB: all of it, anonymous (the heap) and file pages (mapped index files)."""
    found = status_kib(pid, ("VmRSS", "RssAnon", "RssFile"))
    return {"rss": found["VmRSS"] / 1024, "anon": found["RssAnon"] / 1024, "file": found["RssFile"] / 1024}


def article_paths(articles: int) -> list[str]:
    return [f"a/{random.Random(i).randrange(articles)}" for i in range(200)]


def serve_and_load(zim: Path, data: Path, articles: int, front: bool) -> dict[str, float]:
    """Article pages (waitress alone, behind the nginx front when asked, kiwix-serve) then full-text search, in
    interleaved rounds; CPU per search and the server's memory after each load."""
    figures: dict[str, float] = {}
    words, pages = query_words(QUERIES), article_paths(articles)
    ours_port, kiwix_port = free_port(), free_port()
    kiwix_cmd = ["kiwix-serve", "--address", HOST, "--port", str(kiwix_port), str(zim)]
    ready = f"/books/{BOOK_ID}/a/0"
    with ExitStack() as stack:
        ours = stack.enter_context(
            serving("contentserver", contentserver_command(data, ours_port), ours_port, ready, env=_env())
        )
        kiwix = stack.enter_context(serving("kiwix-serve", kiwix_cmd, kiwix_port, f"/{NAME}/a/0"))
        for key, value in memory_mib(ours.process.pid).items():
            figures[f"{key}_after_start_mib"] = value
        targets = {
            "ours": (ours.base_url, [f"/books/{BOOK_ID}/{p}" for p in pages]),
            "kiwix": (kiwix.base_url, [f"/{NAME}/{p}" for p in pages]),
        }
        if front:
            nginx, _behind = stack.enter_context(fronted_contentserver(data, ready, env=_env()))
            targets["front"] = (nginx.base_url, targets["ours"][1])
        article = interleaved_rounds(targets)
        for key, value in memory_mib(ours.process.pid).items():
            figures[f"{key}_after_pages_mib"] = value
        cpu = {"ours": ours.cpu_s(), "kiwix": kiwix.cpu_s()}
        search = interleaved_rounds(
            {
                "ours": (ours.base_url, [f"/search?source=book:{BOOK_ID}&q={urllib.parse.quote(w)}" for w in words]),
                "kiwix": (kiwix.base_url, [f"/search?content={NAME}&pattern={urllib.parse.quote(w)}" for w in words]),
            }
        )
        cpu = {"ours": ours.cpu_s() - cpu["ours"], "kiwix": kiwix.cpu_s() - cpu["kiwix"]}
        for key, value in memory_mib(ours.process.pid).items():
            figures[f"{key}_after_load_mib"] = value
        figures["kiwix_rss_after_load_mib"] = kiwix.rss_mib()
    for name, rounds in article.items():
        page = median_result(rounds)
        figures[f"{name}_page_rps"], figures[f"{name}_page_p50_ms"] = page.rps, page.p50_ms
        figures[f"{name}_page_p99_ms"] = page.p99_ms
        figures[f"{name}_page_errors"] = sum(r.errors + r.bad_status for r in rounds)
    for name in ("ours", "kiwix"):
        found = median_result(search[name])
        figures[f"{name}_search_rps"], figures[f"{name}_search_p50_ms"] = found.rps, found.p50_ms
        figures[f"{name}_search_p95_ms"] = found.p95_ms
        figures[f"{name}_search_cpu_ms"] = 1000 * cpu[name] / max(1, sum(r.requests for r in search[name]))
        figures[f"{name}_search_errors"] = sum(r.errors + r.bad_status for r in search[name])
    figures["page_ratio_alone"] = figures["ours_page_rps"] / figures["kiwix_page_rps"]
    if front:
        figures["page_ratio_front"] = figures["front_page_rps"] / figures["kiwix_page_rps"]
    return figures


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(prog="python -m bench.books", description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=DEFAULT_ARTICLES)
    parser.add_argument(
        "--data", type=Path, help="a data folder where this ZIM is already imported and indexed: load only"
    )
    parser.add_argument("--no-front", action="store_true", help="skip the article pages behind deploy/nginx.conf")
    args = parser.parse_args(argv)
    zim = bench_zim(args.articles)
    figures: dict[str, float] = {"articles": args.articles, "zim_mib": zim.stat().st_size / 2**20}
    with tempfile.TemporaryDirectory(prefix="bench-books-") as tmp:
        data = args.data or Path(tmp) / "data"
        if args.data is None:
            figures.update(import_and_index(zim, data))
            figures["index_articles_per_s"] = args.articles / figures["index_s"]
            figures["index_over_zim"] = figures.pop("index_bytes") / zim.stat().st_size
        figures.update(serve_and_load(zim, data, args.articles, front=have_nginx() and not args.no_front))
    print(
        f"books, {args.articles:,} articles ({figures['zim_mib']:.0f} MiB ZIM), load: {load_tool()}, "
        f"{CONNECTIONS} clients, {ROUNDS} interleaved rounds of {SECONDS:g} s (medians)"
    )
    for key, value in figures.items():
        print(f"  {key:28} {value:12,.2f}")
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
