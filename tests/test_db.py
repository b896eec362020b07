"""Every connection the app opens gets the project's SQLite settings: WAL, a busy timeout, a small page cache."""

from __future__ import annotations

from sqlalchemy import text

from contentserver.db import PAGE_CACHE_KIB, db


def pragma(name: str) -> object:
    return db.session.execute(text(f"PRAGMA {name}")).scalar()


def test_a_pooled_connection_keeps_a_small_page_cache_in_wal_mode(app):
    with app.app_context():
        assert pragma("cache_size") == -PAGE_CACHE_KIB  # negative: KiB (SQLite's default is -2000)
        assert PAGE_CACHE_KIB < 2000
        assert pragma("journal_mode") == "wal"
        assert pragma("busy_timeout") == 10000
        assert pragma("foreign_keys") == 1


def test_every_connection_of_the_pool_gets_the_small_page_cache(app):
    with app.app_context():
        connections = [db.engine.connect() for _ in range(3)]  # distinct DB-API connections, opened afresh
        try:
            sizes = [c.exec_driver_sql("PRAGMA cache_size").scalar() for c in connections]
        finally:
            for c in connections:
                c.close()
    assert sizes == [-PAGE_CACHE_KIB] * 3


def test_as_many_threads_as_waitress_runs_each_get_a_connection_without_waiting(app):
    with app.app_context():
        engine = db.engine
        connections = []
        try:
            for _ in range(30):  # more than waitress's threads; the default pool gave 15, then waited 30 s
                connections.append(engine.connect())
                connections[-1].exec_driver_sql("SELECT 1")
        finally:
            for c in connections:
                c.close()
        assert engine.pool.checkedout() == 0
    assert len(connections) == 30
