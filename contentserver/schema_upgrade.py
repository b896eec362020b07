"""A data folder made by an older version keeps working: columns and indexes newer models added are added at start.

`db.create_all()` makes missing tables but never changes an existing one; this closes that gap for SQLite, the
only database the box uses. It only ever adds (ALTER TABLE ADD COLUMN, CREATE INDEX): it never drops, renames or
retypes, so an older version can still open the folder. docs/raspberry-pi.md "Upgrading" says what it does.
"""

from __future__ import annotations

import hashlib
import sqlite3

from sqlalchemy import Column, Engine, MetaData, Table, literal
from sqlalchemy.schema import CreateIndex
from sqlalchemy.sql.schema import CallableColumnDefault, ScalarElementColumnDefault

from .models import Meta

SCHEMA_VERSION_KEY = "schema_version"


class SchemaUpgradeError(RuntimeError):
    """The database lacks something an ALTER TABLE ADD COLUMN cannot add; the server refuses to start."""


def schema_version(metadata: MetaData) -> str:
    """A fingerprint of the models' tables, columns and indexes: it changes whenever a model gains one."""
    parts = sorted(
        f"{table.name}({','.join(sorted(table.columns.keys()))})"
        f"[{','.join(sorted(str(index.name) for index in table.indexes))}]"
        for table in metadata.tables.values()
    )
    return hashlib.sha256(";".join(parts).encode()).hexdigest()[:16]


def upgrade_schema(engine: Engine, metadata: MetaData) -> list[str]:
    """Add the columns and indexes the models have and the database lacks; return the statements run.

    Cheap when nothing is missing (one PRAGMA per table), so it runs at every start. The work is done under
    BEGIN IMMEDIATE and planned again there, so the server and the sync job starting together upgrade once.
    """
    if engine.dialect.name != "sqlite":
        return []
    version = schema_version(metadata)
    pooled = engine.raw_connection()
    try:
        conn = pooled.driver_connection
        assert isinstance(conn, sqlite3.Connection)  # the sqlite dialect's driver here is pysqlite
        if not _plan(conn, engine, metadata) and _recorded_version(conn) == version:
            return []
        conn.execute("BEGIN IMMEDIATE")
        try:
            statements = _plan(conn, engine, metadata)
            for statement in statements:
                conn.execute(statement)
            conn.execute(
                f"INSERT INTO {Meta.__tablename__} (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (SCHEMA_VERSION_KEY, version),
            )
            conn.commit()
        except sqlite3.Error as exc:
            conn.rollback()
            raise SchemaUpgradeError(f"upgrading the database failed ({exc}); nothing was changed") from exc
        except BaseException:
            conn.rollback()
            raise
        return statements
    finally:
        pooled.close()


def _recorded_version(conn: sqlite3.Connection) -> str | None:
    row = conn.execute(f"SELECT value FROM {Meta.__tablename__} WHERE key = ?", (SCHEMA_VERSION_KEY,)).fetchone()
    return row[0] if row else None


def _plan(conn: sqlite3.Connection, engine: Engine, metadata: MetaData) -> list[str]:
    """The ALTER TABLE and CREATE INDEX statements that bring existing tables up to the models."""
    statements = []
    for table in metadata.sorted_tables:
        present = {row[1] for row in conn.execute(f'PRAGMA table_info("{table.name}")')}
        if present:  # a table that is not there at all is create_all's job
            statements += [_add_column(table, column, engine) for column in table.columns if column.name not in present]
    indexes = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    statements += [
        str(CreateIndex(index, if_not_exists=True).compile(dialect=engine.dialect))
        for table in metadata.sorted_tables
        for index in table.indexes
        if index.name not in indexes
    ]
    return statements


def _add_column(table: Table, column: Column, engine: Engine) -> str:
    """ALTER TABLE ADD COLUMN with the model's default, or refuse what SQLite cannot add to a full table."""
    where = f"table {table.name} has no column {column.name}"
    if column.primary_key or column.unique:
        raise SchemaUpgradeError(
            f"{where}, and a key or unique column cannot be added to an existing table: "
            "this version needs a hand-written upgrade step"
        )
    default = _default_sql(column, engine)
    if not column.nullable and default is None:
        raise SchemaUpgradeError(
            f"{where}, which may not be empty and has no default to fill the existing rows "
            "with: this version needs a hand-written upgrade step"
        )
    ddl = f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {column.type.compile(dialect=engine.dialect)}'
    if not column.nullable:
        ddl += " NOT NULL"
    if default is not None:
        ddl += f" DEFAULT {default}"
    for key in column.foreign_keys:
        ddl += f' REFERENCES "{key.column.table.name}" ("{key.column.name}")'
        ddl += f" ON DELETE {key.ondelete}" if key.ondelete else ""
    return ddl


def _default_sql(column: Column, engine: Engine) -> str | None:
    """The model's default as an SQL constant; a callable one (the time now) is taken once, at the upgrade."""
    # DDLCompiler's annotation asks for a statement, but Compiled takes None, and this needs no statement
    compiler = engine.dialect.ddl_compiler(engine.dialect, None)  # type: ignore[arg-type]
    server_default = compiler.get_column_default_string(column)
    if server_default is not None:
        return server_default
    default = column.default
    if isinstance(default, ScalarElementColumnDefault):
        value = default.arg
    elif isinstance(default, CallableColumnDefault):
        # SQLAlchemy wraps a no-argument default (all the models have) in a function of a context it ignores
        value = default.arg(None)  # type: ignore[arg-type]
    else:
        return None
    return str(literal(value, column.type).compile(dialect=engine.dialect, compile_kwargs={"literal_binds": True}))
