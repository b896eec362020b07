"""Issue 9: contentserver against kiwix-serve, nginx and a bare Flask "hello" on the same 20,000 lessons, one run.

Every server runs at once on 127.0.0.1 (free ports); rounds alternate between them (wrk, 16 connections), so the
noise of the shared machine falls on all alike, and the ratios are medians of per-round ratios. Then memory and
latency across library sizes (bench.scaling) and a Pi-sized run (bench.pi); one table of figures and targets.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from rich.console import Console
from rich.table import Table

from . import pi, scaling
from .browse import page_weights
from .front import fronted_contentserver, have_nginx, nginx_static
from .kiwix import article_path, have_kiwix, kiwix_serving, search_path, suggest_path, zim_of
from .load import CONNECTIONS, ROUNDS, SECONDS, LoadResult, load_tool, median_result, run_load
from .servers import contentserver_command, fetch, free_port, hello_command, serving
from .synthetic import imported_data, lesson_ids, synthetic_library
from .workload import hot_lessons, ok_rps, paths, prefixes, search_rounds

LESSONS = 20_000
COLD_STARTS = 3
KIWIX_SUGGESTS = 40  # one at a time: kiwix-serve 3.3.0 crashes when two /suggest overlap (kiwix-tools#751)
BROWSER = {"Accept-Encoding": "gzip, deflate"}  # what phones and browsers send; wrk sends no Accept-Encoding
console = Console(highlight=False, width=130)


def rounds_of(
    targets: dict[str, tuple], rounds: int = ROUNDS
) -> tuple[dict[str, list[LoadResult]], dict[str, list[float]]]:
    """Rounds alternating between targets: name -> (servers that answer, base URL, one path list per round[,
    request headers]); each round's result and the CPU milliseconds its servers spent per request."""
    results: dict[str, list[LoadResult]] = {name: [] for name in targets}
    cpu_ms: dict[str, list[float]] = {name: [] for name in targets}
    for r in range(rounds):
        for name, (servers, base_url, per_round, *headers) in targets.items():
            before = sum(server.cpu_s() for server in servers)
            result = run_load(
                base_url, per_round[r % len(per_round)], SECONDS, CONNECTIONS, headers=headers[0] if headers else None
            )
            used = sum(server.cpu_s() for server in servers) - before
            results[name].append(result)
            cpu_ms[name].append(1000 * used / max(1, result.requests))
    return results, cpu_ms


def sequential_ms(base_url: str, paths: Sequence[str]) -> list[float]:
    """One client, one request at a time: milliseconds per answer (non-200 raise)."""
    times = []
    for path in paths:
        started = time.perf_counter()
        status, _, _ = fetch(base_url, path)
        if status != 200:
            raise RuntimeError(f"{path} answered {status}")
        times.append((time.perf_counter() - started) * 1000)
    return times


def cold_starts(data_dir: Path, ready: str) -> tuple[list[float], list[float]]:
    """Process start to the first lesson page, fresh processes (the OS file cache is warm): wall and CPU seconds."""
    walls, cpus = [], []
    for _ in range(COLD_STARTS):
        port = free_port()
        with serving("contentserver", contentserver_command(data_dir, port), port, ready_path=ready) as server:
            walls.append(server.cold_start_s)
            cpus.append(server.cold_start_cpu_s)
    return walls, cpus


def main() -> dict:
    """Run every server side by side, then scaling and the Pi-sized run; print one table."""
    if not (have_kiwix() and have_nginx()):
        raise RuntimeError("needs kiwix-serve and nginx: make bench-deps")
    library = synthetic_library(LESSONS)
    data_dir, zim = imported_data(library), zim_of(library)
    hot_ids = hot_lessons(lesson_ids(library))
    lessons = paths("/lessons/{q}", hot_ids)
    distinct = search_rounds(2 * ROUNDS)  # the API gets other queries: the page's would find its results cached
    queries, api_queries = distinct[:ROUNDS], distinct[ROUNDS:]
    ours = {
        "lesson": [lessons],
        "search": [paths("/search?q={q}", b) for b in queries],
        "api_search": [paths("/api/search?q={q}", b) for b in api_queries],
        "suggest": [paths("/api/suggest?q={q}", prefixes())],
    }
    starts, cpus = cold_starts(data_dir, lessons[0])
    figures: dict = {
        "lessons": LESSONS,
        "load": f"{load_tool()}, {CONNECTIONS} connections, {ROUNDS} rounds × {SECONDS:g} s",
        "cold_start_s": statistics.median(starts),
        "cold_starts_s": starts,
        "cold_start_cpu_s": statistics.median(cpus),
    }
    with ExitStack() as stack:
        kiwix = stack.enter_context(kiwix_serving(zim, hot_ids[0]))
        port = free_port()
        app = stack.enter_context(
            serving("contentserver", contentserver_command(data_dir, port), port, ready_path=lessons[0])
        )
        front, behind = stack.enter_context(fronted_contentserver(data_dir, lessons[0]))
        static = stack.enter_context(
            nginx_static(Path(__file__).resolve().parents[1] / "contentserver/static/style.css")
        )
        port = free_port()
        hello = stack.enter_context(serving("hello", hello_command(port), port))
        weights, assets = page_weights(app.base_url, lessons)  # also warms the page cache
        page_weights(front.base_url, lessons)  # and nginx's cache, so both start warm
        gzipped = [len(fetch(app.base_url, path, BROWSER)[2]) for path in lessons]  # what a phone downloads
        for server in (app, front):  # the as-you-type table is built on the first suggestion (once per library
            fetch(server.base_url, ours["suggest"][0][0])  # version, ~0.5 s): not a cost of every round
        kiwix_weights, kiwix_assets = page_weights(kiwix.base_url, [article_path(hot_ids[0])])
        sequential_ms(kiwix.base_url, [article_path(i) for i in hot_ids])
        figures["kiwix_suggest_one_client_ms"] = statistics.median(
            sequential_ms(kiwix.base_url, [suggest_path(p) for p in prefixes()[:KIWIX_SUGGESTS]])
        )
        idle = {"contentserver": app.rss_mib(), "kiwix-serve": kiwix.rss_mib()}
        console.print(f"  load: {figures['load']}; every server up, rounds alternate between them")
        targets = {
            "nginx static file": ([static], static.base_url, [["/file"]]),
            "Flask hello (waitress)": ([hello], hello.base_url, [["/"]]),
            "kiwix-serve article": ([kiwix], kiwix.base_url, [[article_path(i) for i in hot_ids]]),
            "kiwix-serve full-text search": ([kiwix], kiwix.base_url, [[search_path(q) for q in b] for b in queries]),
        }
        for name, per_round in ours.items():
            targets[f"waitress {name}"] = ([app], app.base_url, per_round)
            targets[f"nginx front {name}"] = ([front, behind], front.base_url, per_round)
            if name == "lesson":  # and as a phone asks for it: gzip, sent as cached (no work per request)
                targets["waitress lesson, gzip"] = ([app], app.base_url, per_round, BROWSER)
                targets["nginx front lesson, gzip"] = ([front, behind], front.base_url, per_round, BROWSER)
        results, cpu_ms = rounds_of(targets)
        figures["rss_mib"] = {
            "contentserver idle": idle["contentserver"],
            "contentserver after load": app.rss_mib(),
            "contentserver behind nginx after load": behind.rss_mib(),
            "nginx front after load": front.rss_mib(),
            "kiwix-serve idle": idle["kiwix-serve"],
            "kiwix-serve after load": kiwix.rss_mib(),
            "Flask hello after load": hello.rss_mib(),
        }
    figures["page_bytes"] = {
        "contentserver html max": max(weights),
        "contentserver html max gzip": max(gzipped),
        "contentserver html median gzip": statistics.median(gzipped),
        "contentserver css": assets["css"],
        "contentserver js": assets["js"],
        "kiwix-serve html": kiwix_weights[0],
        "kiwix-serve css+js": kiwix_assets["css"] + kiwix_assets["js"],
    }
    figures["results"] = {
        name: vars(median_result(rs))
        | {"ok_rps": statistics.median(map(ok_rps, rs)), "cpu_ms": statistics.median(cpu_ms[name])}
        for name, rs in results.items()
    }
    figures["ratios"] = _ratios(results)
    figures["scaling"] = scaling.measure()
    figures["pi"] = pi.measure(data_dir, lessons, ours["search"][0])
    _print(figures)
    return figures


def _ratio(results: dict[str, list[LoadResult]], ours: str, theirs: str) -> float:
    """Median over rounds of (our good answers per second ÷ theirs) in the same round."""
    return statistics.median(ok_rps(a) / max(ok_rps(b), 1e-9) for a, b in zip(results[ours], results[theirs]))


def _ratios(results: dict[str, list[LoadResult]]) -> dict[str, float]:
    return {
        "waitress lesson ÷ hello": _ratio(results, "waitress lesson", "Flask hello (waitress)"),
        "front lesson ÷ kiwix article": _ratio(results, "nginx front lesson", "kiwix-serve article"),
        "waitress lesson ÷ kiwix article": _ratio(results, "waitress lesson", "kiwix-serve article"),
        "waitress search ÷ kiwix search": _ratio(results, "waitress search", "kiwix-serve full-text search"),
        "front search ÷ kiwix search": _ratio(results, "nginx front search", "kiwix-serve full-text search"),
        "waitress /api/search ÷ kiwix search": _ratio(results, "waitress api_search", "kiwix-serve full-text search"),
    }


def _verdict(ok: bool) -> str:
    return "[green]met[/green]" if ok else "[red]missed[/red]"


def _print(figures: dict) -> None:
    load = Table(title=f"Peers on the same {LESSONS:,} lessons: {figures['load']} (medians)")
    for column in ("server / page", "ok req/s", "p50 ms", "p95 ms", "p99 ms", "failed/round", "CPU ms/req"):
        load.add_column(column, justify="left" if column == "server / page" else "right")
    for name, r in figures["results"].items():
        load.add_row(
            name,
            f"{r['ok_rps']:,.0f}",
            f"{r['p50_ms']:.1f}",
            f"{r['p95_ms']:.1f}",
            f"{r['p99_ms']:.1f}",
            f"{r['errors'] + r['bad_status']:,}",
            f"{r['cpu_ms']:.2f}",
        )
    console.print(load)
    scaling.print_table(figures["scaling"], console)
    pi.print_table(figures["pi"], console)

    res, ratios, rss, pages = figures["results"], figures["ratios"], figures["rss_mib"], figures["page_bytes"]
    sizes = {row["lessons"]: row for row in figures["scaling"] if not row.get("missing")}
    facts = Table(title="Issue 9: figures against the targets (same run, shared noisy machine)")
    for column in ("figure", "value", "target", ""):
        facts.add_column(column, justify="left" if column == "figure" else "right")

    def row(name: str, value: str, target: str, ok: bool | None) -> None:
        facts.add_row(name, value, target, "" if ok is None else _verdict(ok))

    row(
        "waitress lesson page ÷ Flask hello",
        f"{ratios['waitress lesson ÷ hello']:.2f}×",
        "≥ 0.8×",
        ratios["waitress lesson ÷ hello"] >= 0.8,
    )
    row(
        "nginx front lesson page ÷ kiwix-serve article",
        f"{ratios['front lesson ÷ kiwix article']:.2f}×",
        "≥ 1.0×",
        ratios["front lesson ÷ kiwix article"] >= 1.0,
    )
    row(
        "nginx front lesson page p99",
        f"{res['nginx front lesson']['p99_ms']:.1f} ms",
        "< 20 ms",
        res["nginx front lesson"]["p99_ms"] < 20,
    )
    row("(waitress alone lesson ÷ kiwix-serve article)", f"{ratios['waitress lesson ÷ kiwix article']:.2f}×", "", None)
    for name in ("waitress search", "front search", "waitress /api/search"):
        value = ratios[f"{name} ÷ kiwix search"]
        row(f"{name} page ÷ kiwix-serve full-text search", f"{value:.2f}×", "≥ 1.5×", value >= 1.5)
    for name in ("waitress search", "nginx front search", "waitress api_search"):
        row(f"{name} p95", f"{res[name]['p95_ms']:.1f} ms", "< 50 ms", res[name]["p95_ms"] < 50)
    kiwix_search = res["kiwix-serve full-text search"]
    row(
        "(CPU per search: waitress page / /api/search / kiwix-serve, all its threads)",
        f"{res['waitress search']['cpu_ms']:.1f} / {res['waitress api_search']['cpu_ms']:.1f} / "
        f"{kiwix_search['cpu_ms']:.1f} ms",
        "",
        None,
    )
    for name in ("waitress suggest", "nginx front suggest"):
        r = res[name]
        row(
            f"{name}, 16 clients",
            f"{r['ok_rps']:,.0f} req/s, {r['errors'] + r['bad_status']} failed",
            "≥ 1,000 req/s, none failed",
            r["ok_rps"] >= 1000 and r["errors"] + r["bad_status"] == 0,
        )
    row(
        "kiwix-serve /suggest, one client at a time (never concurrent: it crashes)",
        f"{figures['kiwix_suggest_one_client_ms']:.1f} ms",
        "",
        None,
    )
    row(
        "RSS at 20k after load: contentserver (kiwix-serve)",
        f"{rss['contentserver after load']:.1f} MiB ({rss['kiwix-serve after load']:.1f})",
        "≤ 45 MiB",
        rss["contentserver after load"] <= 45,
    )
    row(
        "RSS idle: contentserver (kiwix-serve)",
        f"{rss['contentserver idle']:.1f} MiB ({rss['kiwix-serve idle']:.1f})",
        "",
        None,
    )
    row(
        "RSS behind nginx: waitress + nginx front",
        f"{rss['contentserver behind nginx after load']:.1f} + {rss['nginx front after load']:.1f} MiB",
        "",
        None,
    )
    if 100_000 in sizes:
        row(
            "RSS at 100k after load",
            f"{sizes[100_000]['rss_after_mib']:.1f} MiB",
            "≤ 60 MiB",
            sizes[100_000]["rss_after_mib"] <= 60,
        )
    else:
        row("RSS at 100k after load", "not measured (library not built)", "≤ 60 MiB", False)
    row(
        "cold start to first lesson page (median)",
        f"{figures['cold_start_s']:.2f} s ({', '.join(f'{s:.2f}' for s in figures['cold_starts_s'])})",
        "< 1 s",
        figures["cold_start_s"] < 1,
    )
    row("(CPU time the server used until then, median)", f"{figures['cold_start_cpu_s']:.2f} s", "", None)
    weight = pages["contentserver html max"] + pages["contentserver css"]
    row(
        "lesson page HTML + CSS (kiwix-serve page + skin)",
        f"{weight:,} B ({pages['kiwix-serve html'] + pages['kiwix-serve css+js']:,} B)",
        "< 30,000 B",
        weight < 30_000,
    )
    row(
        "lesson page HTML sent gzip to a phone: largest / median",
        f"{pages['contentserver html max gzip']:,} / {pages['contentserver html median gzip']:,.0f} B",
        "",
        None,
    )
    pi_figs = figures["pi"]
    row(
        "Pi-sized run: lesson page / search, one core, memory capped",
        f"{pi_figs['lesson']['ok_rps']:,.0f} / {pi_figs['search']['ok_rps']:,.0f} req/s",
        "serves",
        pi_figs["serves"],
    )
    console.print(facts)


if __name__ == "__main__":
    main()
