"""Database engine tuning and the write-transaction helper."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import click
import flask_migrate
from flask import current_app
from sqlalchemy import DateTime, Enum, event
from sqlalchemy.engine import Engine
from sqlalchemy.types import TypeDecorator

from .extensions import db

WRITE_OPTION = "inspection_write"


def tune_engine(engine: Engine) -> None:
    """Give SQLite WAL, a busy timeout, foreign keys and BEGIN IMMEDIATE for writes."""
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        # pysqlite's own transaction handling would hide our BEGIN; take control of it.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def on_begin(connection):
        # A writer that starts with a shared lock can deadlock against another writer;
        # taking the write lock up front makes it wait (busy_timeout) instead of failing.
        immediate = connection.get_execution_options().get(WRITE_OPTION)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@contextmanager
def write_transaction(reload: bool = True):
    """Run a block as one write transaction: commit on success, roll back on error.

    A transaction still open (the request's reads) is ended first. With reload=False what it loaded is kept as
    read rather than expired, for a caller that has just checked those objects and acts on that check.
    """
    session = db.session()
    if session.in_transaction():
        expire, session.expire_on_commit = session.expire_on_commit, session.expire_on_commit and reload
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire
    session.connection(execution_options={WRITE_OPTION: True})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise


def enum_type(enum_class, name: str) -> Enum:
    """Store a StrEnum as its value in a VARCHAR with a CHECK constraint, the same on every backend."""
    return Enum(enum_class, name=name, native_enum=False, create_constraint=True, length=20,
                values_callable=lambda members: [member.value for member in members], validate_strings=True)


class UTCDateTime(TypeDecorator):
    """Store aware datetimes as UTC; SQLite returns them naive, so re-attach UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("naive datetime given; use an aware one (UTC)")
            value = value.astimezone(timezone.utc)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def utcnow() -> datetime:
    """Return the current time, aware, in UTC."""
    return datetime.now(timezone.utc)


@click.command("init-db")
def init_db_command() -> None:
    """Create the database schema or upgrade it to the newest migration."""
    Path(current_app.instance_path).mkdir(parents=True, exist_ok=True)
    flask_migrate.upgrade(directory=current_app.extensions["migrate"].directory)
    click.echo("database is up to date")
