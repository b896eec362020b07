"""A data folder an older version made (tables lacking newer columns) is upgraded in place when the app starts."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, import_into, lesson_spec

from contentserver.cli import main
from contentserver.db import db
from contentserver.schema_upgrade import SCHEMA_VERSION_KEY, SchemaUpgradeError, schema_version, upgrade_schema

# The lessons table as it was before teachers wrote lessons: no status, owner_id or updated_at.
OLD_LESSONS = """CREATE TABLE lessons (
    id VARCHAR(80) NOT NULL, title VARCHAR(300) NOT NULL, lang VARCHAR(8) NOT NULL, script VARCHAR(8) NOT NULL,
    subject VARCHAR(40) NOT NULL, grade INTEGER NOT NULL, tags_json TEXT NOT NULL, body_sha256 VARCHAR(64) NOT NULL,
    origin VARCHAR(8) NOT NULL, library_id VARCHAR(80), PRIMARY KEY (id))"""
OLD_COLUMNS = "id, title, lang, script, subject, grade, tags_json, body_sha256, origin, library_id"


def rebuild_lessons(data_dir: Path, create: str, columns: str) -> None:
    """Swap the lessons table for an older shape, rows kept, the way SQLite rebuilds a table (foreign keys off)."""
    with sqlite3.connect(data_dir / "library.sqlite") as conn:
        conn.execute(create.replace("CREATE TABLE lessons", "CREATE TABLE lessons_old"))
        conn.execute(f"INSERT INTO lessons_old SELECT {columns} FROM lessons")
        conn.execute("DROP TABLE lessons")
        conn.execute("ALTER TABLE lessons_old RENAME TO lessons")
    conn.close()


def dump(data_dir: Path) -> list[tuple]:
    with sqlite3.connect(data_dir / "library.sqlite") as conn:
        rows = conn.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name").fetchall()
        rows += conn.execute("SELECT key, value FROM meta ORDER BY key").fetchall()
    conn.close()
    return rows


def columns_of(data_dir: Path, table: str) -> dict[str, tuple]:
    with sqlite3.connect(data_dir / "library.sqlite") as conn:
        info = {row[1]: row for row in conn.execute(f"PRAGMA table_info({table})")}
    conn.close()
    return info


def old_data_folder(make_app, make_library, data_dir: Path, create: str, columns: str) -> None:
    """A data folder with a real library imported, then its lessons table put back to an older shape."""
    app = make_app()
    import_into(app, make_library([lesson_spec("old-lesson", title="Rivers of the steppe")]))
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    rebuild_lessons(data_dir, create, columns)


def test_an_old_data_folder_gets_the_missing_columns_and_serves_its_lessons(make_app, make_library, data_dir):
    old_data_folder(make_app, make_library, data_dir, OLD_LESSONS, OLD_COLUMNS)
    assert "status" not in columns_of(data_dir, "lessons")

    app = make_app()
    columns = columns_of(data_dir, "lessons")
    assert {"status", "owner_id", "updated_at"} <= set(columns)
    assert columns["status"][3] == 1 and columns["status"][4] == "'published'"  # NOT NULL, the model's default
    with sqlite3.connect(data_dir / "library.sqlite") as conn:
        status, owner, updated = conn.execute("SELECT status, owner_id, updated_at FROM lessons").fetchone()
        indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
        recorded = conn.execute("SELECT value FROM meta WHERE key = ?", (SCHEMA_VERSION_KEY,)).fetchone()[0]
    conn.close()
    assert (status, owner) == ("published", None) and updated  # a time now, taken once at the upgrade
    assert {"ix_lessons_status", "ix_lessons_owner_id"} <= indexes
    assert recorded == schema_version(db.metadata)

    client = app.test_client()
    try:
        assert client.get("/").status_code == 200
        assert "Rivers of the steppe" in client.get("/grades/5").get_data(as_text=True)  # listed: published
        page = client.get("/lessons/old-lesson")
        assert page.status_code == 200 and "Rivers of the steppe" in page.get_data(as_text=True)
    finally:
        app.extensions["indexer"].close()


def test_the_upgrade_is_a_no_op_the_second_time(make_app, make_library, data_dir):
    old_data_folder(make_app, make_library, data_dir, OLD_LESSONS, OLD_COLUMNS)
    make_app()
    upgraded = dump(data_dir)
    app = make_app()
    assert dump(data_dir) == upgraded
    with app.app_context():
        assert upgrade_schema(db.engine, db.metadata) == []


def test_a_new_data_folder_records_its_schema_version_and_needs_nothing(app):
    with app.app_context():
        assert upgrade_schema(db.engine, db.metadata) == []
        recorded = db.session.execute(
            db.text("SELECT value FROM meta WHERE key = :key"), {"key": SCHEMA_VERSION_KEY}
        ).scalar()
    assert recorded == schema_version(db.metadata)


def test_the_server_and_the_sync_job_starting_together_upgrade_once(make_app, make_library, data_dir):
    old_data_folder(make_app, make_library, data_dir, OLD_LESSONS, OLD_COLUMNS)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    start = f"from contentserver import create_app; create_app({{'DATA_DIR': {str(data_dir)!r}}})"
    writer = sqlite3.connect(data_dir / "library.sqlite", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # both find columns missing, then wait here for the write lock
    starts = [
        subprocess.Popen(
            [sys.executable, "-c", start],
            env={**env, "CONTENTSERVER_STARTER_LIBRARY": ""},
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    time.sleep(4)
    assert all(proc.poll() is None for proc in starts), "an upgrade must wait for the write lock"
    writer.execute("ROLLBACK")
    writer.close()
    for proc in starts:
        _out, errors = proc.communicate(timeout=60)
        assert proc.returncode == 0, errors
    assert {"status", "owner_id", "updated_at"} <= set(columns_of(data_dir, "lessons"))


def test_a_missing_column_without_a_default_stops_the_start_and_changes_nothing(make_app, make_library, data_dir):
    without_title = OLD_LESSONS.replace("title VARCHAR(300) NOT NULL, ", "")
    old_data_folder(make_app, make_library, data_dir, without_title, OLD_COLUMNS.replace("title, ", ""))
    before = dump(data_dir)
    with pytest.raises(SchemaUpgradeError, match="table lessons has no column title, which may not be empty"):
        make_app()
    assert dump(data_dir) == before
    result = CliRunner().invoke(main, ["reindex", "--data", str(data_dir)], env={"CONTENTSERVER_STARTER_LIBRARY": ""})
    assert result.exit_code == 2 and "database: table lessons has no column title" in result.stderr
    assert dump(data_dir) == before


@pytest.mark.parametrize(
    "command, prog, code",
    [
        (["-m", "sync", "pull"], "sync", 6),
        (["run.py", "--host", "127.0.0.1", "--port", "0"], "contentserver", 2),
    ],
)
def test_a_database_that_cannot_be_upgraded_stops_the_server_and_the_sync_job_with_one_line(
    make_app, make_library, data_dir, command, prog, code
):
    without_title = OLD_LESSONS.replace("title VARCHAR(300) NOT NULL, ", "")
    old_data_folder(make_app, make_library, data_dir, without_title, OLD_COLUMNS.replace("title, ", ""))
    before = dump(data_dir)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")}
    done = subprocess.run(
        [sys.executable, *command, "--data", str(data_dir)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == code
    assert done.stderr.splitlines() == [
        f"{prog}: database: table lessons has no column title, which may not be "
        "empty and has no default to fill the existing rows with: this version needs "
        "a hand-written upgrade step"
    ]
    assert dump(data_dir) == before


@pytest.mark.parametrize("command, prog, code", [(["-m", "sync", "push"], "sync", 6), (["run.py"], "contentserver", 2)])
def test_an_invalid_setting_stops_the_server_and_the_sync_job_with_one_line(tmp_path, command, prog, code):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CONTENTSERVER_")},
        "CONTENTSERVER_MAX_LESSONS": "0",
    }
    done = subprocess.run(
        [sys.executable, *command, "--data", str(tmp_path / "data")],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == code
    assert done.stderr.splitlines() == [f"{prog}: settings: setting MAX_LESSONS must be positive, got 0"]
