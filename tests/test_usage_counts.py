"""Usage counts (issue 23): aggregate only, cheap in memory, written to SQLite without losing an increment."""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from datetime import date, timedelta

import pytest
from conftest import http_get, stop_process

from contentserver.db import db
from contentserver.usage.counter import UsageCounter, add_counts, roll_up
from contentserver.usage.report import per_day, per_month, top, usage_report
from contentserver.usage.searches import normalized, script_of
from contentserver.usage.tables import LESSON, NOTHING, PAGES, QUERY, SEARCHES
from contentserver.views.usage_layer import flush_usage, page_kind


@pytest.mark.parametrize(
    ("path", "status", "content_type", "kind"),
    [
        ("/lessons/math-circle-kk", "200 OK", "text/html; charset=utf-8", ("lesson", "math-circle-kk")),
        ("/lessons/math-circle-kk", "304 Not Modified", "", ("lesson", "math-circle-kk")),
        ("/lessons/math-circle-kk", "404 NOT FOUND", "text/html", None),
        ("/lessons/math-circle-kk/download", "200 OK", "application/zip", None),
        ("/books/wiki-kk/A/Абай", "200 OK", "text/html", ("book", "wiki-kk")),
        ("/books/wiki-kk/I/map.png", "200 OK", "image/png", None),
        ("/", "200 OK", "text/html; charset=utf-8", ("pages", "")),
        ("/", "304 Not Modified", "", ("pages", "")),
        ("/search", "200 OK", "text/html; charset=utf-8", ("pages", "")),
        ("/objects/" + "a" * 64, "200 OK", "image/png", None),
        ("/static/site.css", "200 OK", "text/css", None),
        ("/admin/", "200 OK", "text/html", None),
        ("/teach/", "200 OK", "text/html", None),
        ("/api/search", "200 OK", "application/json", None),
        ("/ui-language/ru", "303 SEE OTHER", "", None),
        ("/sw.js", "304 Not Modified", "", None),
        ("/opensearch.xml", "304 Not Modified", "", None),
        ("/books/wiki-kk.zim", "304 Not Modified", "", None),
        ("/books/wiki-kk.zim", "200 OK", "application/octet-stream", None),
        ("/subjects/math", "304 Not Modified", "", ("pages", "")),
    ],
)
def test_only_a_students_page_views_are_counted(path, status, content_type, kind):
    assert page_kind(path, status, content_type) == kind


def test_a_search_counts_as_the_index_reads_it_with_the_script_it_was_typed_in():
    assert normalized("  АБАЙ  Құнанбаев ") == normalized("абай құнанбаев") == "абай құнанбаев"
    assert normalized("Qazaq’stan") == "qazaqstan"
    assert [script_of(t) for t in ("абай", "Abai", "абай Abai", "1945")] == ["Cyrl", "Latn", "mixed", "other"]


def test_searches_are_counted_with_language_and_those_that_found_nothing_apart(make_app, make_library):
    from conftest import import_into

    app = make_app()
    import_into(app, make_library())
    client = app.test_client()
    queries = ["Бета", "бета ", "жоқсөзқұрама", "жоқсөзқұрама", "несуществующееслово", ""]
    for q in queries:
        assert client.get("/search", query_string={"q": q}).status_code == 200
    client.get("/search", query_string={"q": "жоқсөзқұрама", "page": 2})  # a second page is the same search
    flush_usage(app)
    with app.app_context():
        today = app.extensions["usage"].days.today()  # the school's day (Asia/Almaty), not the test machine's
        day = date.fromisoformat(today)
        searches = {d: s for d, _p, s in per_day(day - timedelta(days=1), day)}
        assert searches[today] == 5
        nothing = {(row["query"], row["script"]): row["count"] for row in top(NOTHING, today, 10)}
        assert nothing == {("жоқсөзқұрама", "Cyrl"): 2, ("несуществующееслово", "Cyrl"): 1}
        langs = {row["query"]: row["lang"] for row in top(NOTHING, today, 10)}
        assert langs["жоқсөзқұрама"] == "kk" and langs["несуществующееслово"] == "ru"
        assert {row["query"]: row["count"] for row in top(QUERY, today, 10)}["бета"] == 2


def test_days_older_than_90_are_summed_per_month_and_the_rest_kept(app):
    today = date(2026, 12, 5)
    old = [date(2026, 8, 1), date(2026, 8, 20), date(2026, 9, 5)]
    recent = [date(2026, 9, 6), date(2026, 12, 4)]
    counts = Counter()
    for day in old + recent:
        counts[(day.isoformat(), PAGES, "", "", "")] += 10
        counts[(day.isoformat(), LESSON, "x", "", "")] += 1
    with app.app_context():
        with db.engine.begin() as conn:
            add_counts(conn, counts)
            cutoff = (today - timedelta(days=90)).isoformat()
            assert cutoff == "2026-09-06"
            assert roll_up(conn, cutoff) == 6
            assert roll_up(conn, cutoff) == 0
        assert per_month() == [("2026-08", 20, 0), ("2026-09", 10, 0)]
        assert [d for d, pages, _s in per_day(date(2026, 9, 1), today) if pages] == ["2026-09-06", "2026-12-04"]
        report = usage_report(today)
        assert [d["date"] for d in report["days"]] == ["2026-12-04"]
        assert report["days"][0]["lessons"] == [{"id": "x", "count": 1}]


def test_a_failed_write_keeps_the_counts_for_the_next_flush(app, data_dir):
    counter = UsageCounter("Asia/Almaty")
    for _ in range(3):
        counter.add(SEARCHES)
    with app.app_context():
        db.session.remove()
        blocker = sqlite3.connect(data_dir / "library.sqlite", timeout=0)
        blocker.execute("BEGIN EXCLUSIVE")  # another writer holds the database: the flush cannot write
        try:
            with pytest.raises(Exception, match="locked"):
                counter.flush(_quick_engine(data_dir))
        finally:
            blocker.rollback()
            blocker.close()
        assert counter.pending() == 3
        assert counter.flush(db.engine) == 3 and counter.pending() == 0


def _quick_engine(data_dir):
    from sqlalchemy import create_engine

    return create_engine(f"sqlite:///{data_dir / 'library.sqlite'}", connect_args={"timeout": 0.1})


def test_16_clients_on_a_real_server_lose_no_increment_when_it_is_stopped(start_server, tmp_path):
    server = start_server(data_dir=tmp_path / "data", threads=8)
    lessons = ["math-circle-kk", "geo-balkhash-kk", "hist-yasawi-ru", "inf-binary-en"]
    per_client, failures = 40, []

    def client(n: int) -> None:
        for i in range(per_client):
            status, _headers, _body = http_get(f"{server.url}/lessons/{lessons[(n + i) % len(lessons)]}")
            if status != 200:
                failures.append(status)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    stop_process(server.proc)
    assert server.proc.returncode == 0, server.output()
    rows = sqlite3.connect(tmp_path / "data" / "library.sqlite").execute(
        "SELECT kind, key, sum(count) FROM usage_counts GROUP BY kind, key"
    )
    counted = {(kind, key): n for kind, key, n in rows}
    assert sum(n for (kind, _key), n in counted.items() if kind == LESSON) == 16 * per_client
    assert {key: n for (kind, key), n in counted.items() if kind == LESSON} == dict.fromkeys(lessons, 160)
    assert counted[(PAGES, "")] == 16 * per_client


def test_the_flushing_thread_writes_the_counts_without_being_asked(app):
    from contentserver.views.usage_layer import start_flushing

    client = app.test_client()
    for _ in range(7):
        client.get("/")
    stop = start_flushing(app, every=0.05)
    try:

        def written() -> int:
            with app.app_context():
                return per_day(date.today() - timedelta(days=2), date.today() + timedelta(days=2))

        from conftest import eventually

        assert eventually(lambda: sum(pages for _d, pages, _s in written()) == 7)
        assert app.extensions["usage"].pending() == 0
        client.get("/")
    finally:
        stop()  # the last flush
    assert sum(pages for _d, pages, _s in written()) == 8


def test_16_threads_counting_while_flushes_run_lose_no_increment(app):
    """Far past DRAIN_AT, so request threads add up the waiting counts themselves while flushes swap them out."""
    from contentserver.drained import DRAIN_AT
    from contentserver.health import RequestStats

    counter, stats, per_thread = UsageCounter("Asia/Almaty"), RequestStats(), 3 * DRAIN_AT
    done = threading.Event()
    written: list[int] = []

    def flushing() -> None:
        with app.app_context():
            while not done.is_set():
                written.append(counter.flush(db.engine))

    def requests(n: int) -> None:
        for i in range(per_thread):
            counter.add(LESSON, f"lesson-{(n + i) % 4}")
            stats.record(0.001, "500" if i % 1000 == 0 else "200", "/lessons/x")

    flusher = threading.Thread(target=flushing)
    flusher.start()
    threads = [threading.Thread(target=requests, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    flusher.join()
    with app.app_context():
        written.append(counter.flush(db.engine))
        rows = db.session.execute(db.text("SELECT key, sum(count) FROM usage_counts GROUP BY key")).all()
    assert sum(written) == 16 * per_thread and len([n for n in written if n]) > 1, "flushed while counting"
    assert dict(rows) == {f"lesson-{k}": 4 * per_thread for k in range(4)}
    hour = stats.last_hour()
    assert hour.requests == 16 * per_thread and hour.errors == 16 * 3
