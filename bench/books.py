"""Books (issue 16): import and index a generated ZIM, then serve and search it beside kiwix-serve.

python -m bench.books [--articles N]: N defaults to the issue's 250,000 (a run of ~1 hour on 2 cores, most of it
writing the ZIM once into the cache); use --articles 20000 for a quick look. Figures: import time, index build
rate (articles/s), index size ÷ ZIM size, indexer peak RSS, article page req/s p50/p99 and full-text search
req/s p50/p95 at 16 clients for waitress and kiwix-serve over the same ZIM, CPU ms per search, server RSS.
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
from pathlib import Path

from .books_zim import NAME, bench_zim
from .load import CONNECTIONS, interleaved_rounds, load_tool, median_result
from .servers import HOST, contentserver_command, free_port, serving

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


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(prog="python -m bench.books", description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=DEFAULT_ARTICLES)
    args = parser.parse_args(argv)
    zim = bench_zim(args.articles)
    figures: dict[str, float] = {"articles": args.articles, "zim_mib": zim.stat().st_size / 2**20}
    with tempfile.TemporaryDirectory(prefix="bench-books-") as tmp:
        data = Path(tmp) / "data"
        figures.update(import_and_index(zim, data))
        figures["index_articles_per_s"] = args.articles / figures["index_s"]
        figures["index_over_zim"] = figures.pop("index_bytes") / zim.stat().st_size
        words = query_words(QUERIES)
        pages = [f"a/{random.Random(i).randrange(args.articles)}" for i in range(200)]
        ours_port, kiwix_port = free_port(), free_port()
        kiwix_cmd = ["kiwix-serve", "--address", HOST, "--port", str(kiwix_port), str(zim)]
        with (
            serving(
                "contentserver", contentserver_command(data, ours_port), ours_port, f"/books/{BOOK_ID}/a/0", env=_env()
            ) as ours,
            serving("kiwix-serve", kiwix_cmd, kiwix_port, f"/{NAME}/a/0") as kiwix,
        ):
            figures["rss_after_start_mib"] = ours.rss_mib()
            article = interleaved_rounds(
                {
                    "ours": (ours.base_url, [f"/books/{BOOK_ID}/{p}" for p in pages]),
                    "kiwix": (kiwix.base_url, [f"/{NAME}/{p}" for p in pages]),
                }
            )
            cpu = {"ours": ours.cpu_s(), "kiwix": kiwix.cpu_s()}
            search = interleaved_rounds(
                {
                    "ours": (
                        ours.base_url,
                        [f"/search?source=book:{BOOK_ID}&q={urllib.parse.quote(w)}" for w in words],
                    ),
                    "kiwix": (
                        kiwix.base_url,
                        [f"/search?content={NAME}&pattern={urllib.parse.quote(w)}" for w in words],
                    ),
                }
            )
            cpu = {"ours": ours.cpu_s() - cpu["ours"], "kiwix": kiwix.cpu_s() - cpu["kiwix"]}
            figures["rss_after_load_mib"] = ours.rss_mib()
            figures["kiwix_rss_after_load_mib"] = kiwix.rss_mib()
    for name in ("ours", "kiwix"):
        page, found = median_result(article[name]), median_result(search[name])
        figures[f"{name}_page_rps"], figures[f"{name}_page_p50_ms"] = page.rps, page.p50_ms
        figures[f"{name}_page_p99_ms"] = page.p99_ms
        figures[f"{name}_search_rps"], figures[f"{name}_search_p50_ms"] = found.rps, found.p50_ms
        figures[f"{name}_search_p95_ms"] = found.p95_ms
        figures[f"{name}_search_cpu_ms"] = 1000 * cpu[name] / max(1, sum(r.requests for r in search[name]))
        figures[f"{name}_errors"] = sum(r.errors + r.bad_status for r in article[name] + search[name])
    print(
        f"books, {args.articles:,} articles ({figures['zim_mib']:.0f} MiB ZIM), load: {load_tool()}, "
        f"{CONNECTIONS} clients"
    )
    for key, value in figures.items():
        print(f"  {key:28} {value:12,.2f}")
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
