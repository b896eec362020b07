"""Render bounds: pathological bodies in-process (the old way) and through the workers, and what a worker costs.

python -m bench.render [--in-process N ...]: the pathological bodies of issue 15 rendered in this process with
Python-Markdown (unbounded; 10,000 '[' takes tens of seconds, so it is opt-in), then through render_worker
(refused within the budget), then the per-render overhead of the workers (median over content/'s lessons) and
the cost of a page view reading the stored HTML.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from contentserver.library import render_cache
from contentserver.library.markdown_html import render_markdown
from contentserver.library.objects import ObjectStore
from contentserver.library.render_worker import RenderRefused, pool, render

CONTENT = Path(__file__).resolve().parent.parent / "content"
ROUNDS = 5
BODIES = 600


def pathological() -> dict[str, str]:
    return {
        "2,500 '['": "[" * 2_500,
        "5,000 '['": "[" * 5_000,
        "10,000 '['": "[" * 10_000,
        "list 300 deep": "".join("    " * level + "- item\n" for level in range(300)),
    }


def _timed(fn, *args) -> tuple[str, float]:
    start = time.perf_counter()
    try:
        fn(*args)
        outcome = "rendered"
    except RenderRefused as exc:
        outcome = f"refused ({exc.reason})"
    except RecursionError:
        outcome = "RecursionError (a 500)"
    return outcome, time.perf_counter() - start


def lessons() -> list[str]:
    return [path.read_text("utf-8") for path in sorted(CONTENT.glob("*/lesson.md"))]


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(prog="python -m bench.render", description=__doc__.splitlines()[0])
    parser.add_argument("--in-process", nargs="*", default=["2,500 '['", "5,000 '['", "list 300 deep"])
    args = parser.parse_args(argv)
    figures: dict[str, float] = {}
    bodies = pathological()
    render("# warm\n")  # a worker started before anything is timed
    print("body                in process (before)              workers (now)")
    for name, text in bodies.items():
        before = _timed(render_markdown, text) if name in args.in_process else ("not run", float("nan"))
        after = _timed(render, text)
        figures[f"before {name} s"], figures[f"after {name} s"] = before[1], after[1]
        print(f"{name:18}  {before[1]:6.2f} s {before[0]:24}  {after[1]:5.2f} s {after[0]}")

    texts = lessons()
    inproc, worker = [], []
    for _round in range(ROUNDS):
        for text in texts:
            inproc.append(_timed(render_markdown, text)[1])
            worker.append(_timed(render, text)[1])
    figures["in-process render median ms"] = statistics.median(inproc) * 1000
    figures["worker render median ms"] = statistics.median(worker) * 1000
    figures["worker overhead median ms"] = figures["worker render median ms"] - figures["in-process render median ms"]
    with tempfile.TemporaryDirectory() as folder:
        objects = ObjectStore(Path(folder))
        sha = [render_cache.text_sha256(text) for text in texts]
        render_cache.store_rendered(objects, [(text, {}) for text in texts])
        reads = []
        for _round in range(ROUNDS * 4):
            for text, body_sha in zip(texts, sha, strict=True):
                start = time.perf_counter()
                render_cache.page_html(objects, body_sha, {}, lambda text=text: text)
                reads.append(time.perf_counter() - start)
        distinct = [(f"{texts[i % len(texts)]}\n\n{i}\n", {}) for i in range(BODIES)]
        start = time.perf_counter()
        render_cache.store_rendered(objects, distinct)  # what an import of BODIES new lessons adds
        figures["import renders per s"] = BODIES / (time.perf_counter() - start)
    figures["stored page_html median ms"] = statistics.median(reads) * 1000
    print(
        f"{len(texts)} lessons of content/, {ROUNDS} rounds, medians: render in process"
        f" {figures['in-process render median ms']:.2f} ms, through a worker {figures['worker render median ms']:.2f}"
        f" ms (overhead {figures['worker overhead median ms']:.2f} ms), stored HTML read"
        f" {figures['stored page_html median ms']:.3f} ms; at import {figures['import renders per s']:.0f} bodies/s"
    )
    pool().close()
    return figures


if __name__ == "__main__":
    main()
