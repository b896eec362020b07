"""Issue 3 §7: lesson pages of a 20,000-lesson library against a bare Flask "hello", in the same run.

Figures: lesson-page requests/s and p50/p99 at 16 connections (medians of interleaved rounds) and their ratio
to the hello app, server RSS idle and after the load, cold start to the first page, lesson page weight.
"""

from __future__ import annotations

import random
import re
import statistics
from contextlib import ExitStack

from rich.console import Console
from rich.table import Table

from .load import CONNECTIONS, ROUNDS, SECONDS, LoadResult, interleaved_rounds, load_tool, median_result
from .servers import contentserver_command, fetch, free_port, get, hello_command, serving
from .synthetic import imported_data, lesson_ids, synthetic_library

LESSONS = 20_000
HOT_SET = 500  # the lessons a school is reading at once: they fit the page cache
COLD_STARTS = 3
STYLESHEET_RE = re.compile(r'<link rel="stylesheet" href="([^"]+)"')
SCRIPT_RE = re.compile(r'<script[^>]* src="([^"]+)"')
# Targets from issues 3 and 9, printed beside the figures (never asserted: the machine is shared).
TARGET_RATIO = 0.8
TARGET_RSS_MIB = 45
TARGET_COLD_S = 1.0
TARGET_WEIGHT = 30 * 1024

console = Console(highlight=False, width=120)


def page_weights(base_url: str, paths: list[str]) -> tuple[list[int], dict[str, int]]:
    """HTML bytes of each page (every one must answer 200: this also warms the page cache), and the bytes of
    the stylesheets and scripts they load, by kind."""
    sizes, assets = [], {"css": set(), "js": set()}
    for path in paths:
        status, body = get(base_url, path)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
        sizes.append(len(body))
        html = body.decode("utf-8")
        assets["css"].update(STYLESHEET_RE.findall(html))
        assets["js"].update(SCRIPT_RE.findall(html))
    totals = {}
    for kind, hrefs in assets.items():
        totals[kind] = 0
        for href in sorted(hrefs):
            status, body = get(base_url, href)
            totals[kind] += len(body) if status == 200 else 0
    return sizes, totals


def _row(table: Table, name: str, result: LoadResult, baseline: LoadResult | None) -> None:
    ratio = f"{result.rps / baseline.rps:.2f}×" if baseline else "—"
    failures = result.errors + result.bad_status
    table.add_row(
        name,
        f"{result.rps:,.0f}",
        f"{result.p50_ms:.1f}",
        f"{result.p95_ms:.1f}",
        f"{result.p99_ms:.1f}",
        ratio,
        str(failures),
    )


def _verdict(ok: bool) -> str:
    return "[green]met[/green]" if ok else "[red]missed[/red]"


def main() -> dict:
    """Run the browse benchmark and print its table; returns the figures."""
    library = synthetic_library(LESSONS)
    data_dir = imported_data(library)
    ids = lesson_ids(library)
    hot = [f"/lessons/{i}" for i in random.Random(7).sample(ids, HOT_SET)]
    every = [f"/lessons/{i}" for i in ids]

    cold_starts, first_pages = [], []
    for _ in range(COLD_STARTS - 1):
        port = free_port()
        with serving("contentserver", contentserver_command(data_dir, port), port) as server:
            cold_starts.append(server.cold_start_s)
            first_pages.append(server.first_response_s)
    with ExitStack() as stack:
        port = free_port()
        app = stack.enter_context(serving("contentserver", contentserver_command(data_dir, port), port))
        cold_starts.append(app.cold_start_s)
        first_pages.append(app.first_response_s)
        port = free_port()
        hello = stack.enter_context(serving("hello", hello_command(port), port))
        weights, assets = page_weights(app.base_url, hot)
        rss_idle = app.rss_mib()
        console.print(f"  load: {load_tool()}, {CONNECTIONS} connections, {ROUNDS} interleaved rounds × {SECONDS:g} s")
        etag = fetch(app.base_url, hot[0])[1]["etag"]
        rounds = interleaved_rounds(
            {
                "hello": (hello.base_url, ["/"]),
                "lesson": (app.base_url, hot),
                "lesson_304": (app.base_url, hot[:1], {"If-None-Match": etag}),
                "lesson_uncached": (app.base_url, every),
            }
        )
        rss_after = app.rss_mib()
        hello_rss = hello.rss_mib()

    medians = {name: median_result(results) for name, results in rounds.items()}
    ratio = statistics.median(ln.rps / h.rps for ln, h in zip(rounds["lesson"], rounds["hello"]))
    html_median, html_max = statistics.median(weights), max(weights)
    figures = {
        "lessons": LESSONS,
        "load_tool": load_tool(),
        "connections": CONNECTIONS,
        "rounds": ROUNDS,
        "seconds": SECONDS,
        "results": {name: vars(r) for name, r in medians.items()},
        "lesson_vs_hello": ratio,
        "rss_idle_mib": rss_idle,
        "rss_after_load_mib": rss_after,
        "hello_rss_mib": hello_rss,
        "cold_start_s": statistics.median(cold_starts),
        "first_page_s": statistics.median(first_pages),
        "page_html_bytes_median": html_median,
        "page_html_bytes_max": html_max,
        "css_bytes": assets["css"],
        "js_bytes": assets["js"],
    }
    _print(figures, medians, cold_starts)
    return figures


def _print(figures: dict, medians: dict[str, LoadResult], cold_starts: list[float]) -> None:
    table = Table(
        title=f"Browse: lesson pages of a {LESSONS:,}-lesson library, {CONNECTIONS} connections "
        f"(medians of {ROUNDS} rounds × {SECONDS:g} s)"
    )
    for column in ("target", "req/s", "p50 ms", "p95 ms", "p99 ms", "vs hello", "failed"):
        table.add_column(column, justify="left" if column == "target" else "right")
    _row(table, "Flask \"hello\" (waitress)", medians["hello"], None)
    _row(table, f"lesson page ({HOT_SET} lessons, cached)", medians["lesson"], medians["hello"])
    _row(table, "lesson page revalidated (If-None-Match → 304)", medians["lesson_304"], medians["hello"])
    _row(table, f"lesson page (all {LESSONS:,}, mostly rendered)", medians["lesson_uncached"], medians["hello"])
    console.print(table)

    facts = Table(title="Browse: figures against the targets (issues 3 and 9)")
    for column in ("figure", "value", "target", ""):
        facts.add_column(column, justify="left" if column == "figure" else "right")
    page = figures["page_html_bytes_max"] + figures["css_bytes"]
    facts.add_row(
        "lesson page req/s ÷ hello req/s (median of round pairs)",
        f"{figures['lesson_vs_hello']:.2f}",
        f"≥ {TARGET_RATIO}",
        _verdict(figures["lesson_vs_hello"] >= TARGET_RATIO),
    )
    facts.add_row("server RSS idle (after first pages)", f"{figures['rss_idle_mib']:.1f} MiB", "", "")
    facts.add_row(
        "server RSS after the load",
        f"{figures['rss_after_load_mib']:.1f} MiB",
        f"≤ {TARGET_RSS_MIB} MiB",
        _verdict(figures["rss_after_load_mib"] <= TARGET_RSS_MIB),
    )
    facts.add_row("hello app RSS after the load", f"{figures['hello_rss_mib']:.1f} MiB", "", "")
    facts.add_row(
        "cold start to first page (median)",
        f"{figures['cold_start_s']:.2f} s ({', '.join(f'{c:.2f}' for c in cold_starts)})",
        f"< {TARGET_COLD_S:g} s",
        _verdict(figures["cold_start_s"] < TARGET_COLD_S),
    )
    facts.add_row("  of which: answering the first request (home page)", f"{figures['first_page_s']:.2f} s", "", "")
    facts.add_row(
        "lesson page HTML (median / largest of the hot set)",
        f"{figures['page_html_bytes_median']:,.0f} / {figures['page_html_bytes_max']:,} B",
        "",
        "",
    )
    facts.add_row(
        "stylesheets / scripts the page loads", f"{figures['css_bytes']:,} / {figures['js_bytes']:,} B", "", ""
    )
    facts.add_row(
        "largest lesson page HTML + CSS",
        f"{page:,} B",
        f"< {TARGET_WEIGHT:,} B (issue 3: 100 KB)",
        _verdict(page < TARGET_WEIGHT),
    )
    console.print(facts)


if __name__ == "__main__":
    main()
