"""Dump and restore the database: SQLite's online backup API, or pg_dump/pg_restore for PostgreSQL."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterable
from contextlib import closing
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import URL, Connection, Engine

SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.dump"
VERSION_TABLE = "alembic_version"


class DatabaseError(Exception):
    """A dump or restore that could not be done; the message says why."""


def dump_file(backend: str) -> str:
    """Return the name of the dump file of a backend."""
    return SQLITE_FILE if backend == "sqlite" else POSTGRES_FILE


def count_rows(execute, tables: Iterable[str]) -> tuple[dict[str, int], str | None]:
    """Return the row count of every table and the Alembic revision, through one SQL runner."""
    counts = {name: execute(f'SELECT count(*) FROM "{name}"') for name in tables}
    return counts, execute(f"SELECT version_num FROM {VERSION_TABLE}")


def dump_sqlite(engine: Engine, destination: Path, tables: list[str]) -> tuple[dict[str, int], str | None]:
    """Copy the live database page by page (writers may go on); count rows in the copy, so that both agree."""
    source = engine.raw_connection()
    try:
        with closing(sqlite3.connect(destination)) as copy:
            source.driver_connection.backup(copy)
            return count_rows(lambda sql: copy.execute(sql).fetchone()[0], tables)
    finally:
        source.close()


def restore_sqlite(engine: Engine, source: Path) -> None:
    """Replace the live database's content by the backup's, schema included."""
    engine.dispose()
    target = engine.raw_connection()
    try:
        with closing(sqlite3.connect(source)) as backup:
            backup.backup(target.driver_connection)
    finally:
        target.close()
        engine.dispose()


def dump_postgres(connection: Connection, destination: Path, tables: list[str]) -> tuple[dict[str, int], str | None]:
    """Run pg_dump of the current schema inside this transaction's snapshot, so that the counts match the dump."""
    connection.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"))
    snapshot = connection.scalar(text("SELECT pg_export_snapshot()"))
    counts = count_rows(lambda sql: connection.scalar(text(sql)), tables)
    run([tool("pg_dump"), "--format=custom", "--no-owner", f"--schema={current_schema(connection)}",
         f"--snapshot={snapshot}", f"--file={destination}"], connection.engine.url)
    return counts


def restore_postgres(engine: Engine, source: Path, newer_tables: list[str]) -> None:
    """Drop what the dump holds and create it again from the dump, all in one transaction.

    First, the tables of this version that the dump does not hold (a backup of an older version) are dropped:
    they would keep constraints on the dump's tables, and the upgrade that follows makes them again. Should
    the restore then fail, running it again finds them gone already.
    """
    if newer_tables:
        with engine.begin() as connection:
            for name in newer_tables:
                connection.execute(text(f'DROP TABLE IF EXISTS "{name}" CASCADE'))
    engine.dispose()
    # pg_restore reads no PGDATABASE: the name is given, the rest of the connection comes from the PG* variables.
    run([tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--single-transaction", "--exit-on-error",
         f"--dbname={engine.url.database}", str(source)], engine.url)


def current_schema(connection: Connection) -> str:
    """Return the schema the app's tables live in (the tests give each run its own through search_path)."""
    return connection.scalar(text("SELECT current_schema()"))


def tool(name: str) -> str:
    """Return the path of a PostgreSQL client program, or say that it is missing."""
    found = shutil.which(name)
    if not found:
        raise DatabaseError(f"{name} is not installed (the PostgreSQL client programs are needed)")
    return found


def run(arguments: list[str], url: URL) -> None:
    """Run a PostgreSQL client program against the app's database; the connection goes in PG* variables."""
    environment = {**os.environ, **libpq_environment(url)}
    result = subprocess.run(arguments, env=environment, capture_output=True, text=True, check=False)
    if result.returncode:
        raise DatabaseError(f"{Path(arguments[0]).name} failed: {result.stderr.strip()}")


def libpq_environment(url: URL) -> dict[str, str]:
    """Return the PG* variables for a database URL, leaving out the parts it does not give."""
    parts = {"PGHOST": url.host, "PGPORT": url.port, "PGUSER": url.username, "PGPASSWORD": url.password,
             "PGDATABASE": url.database}
    return {name: str(value) for name, value in parts.items() if value is not None}
