"""Database behaviour the app relies on: SQLite tuning, aware times, the write transaction."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

import pytest
from sqlalchemy import text

from inspection.db import write_transaction
from inspection.extensions import db
from inspection.org.models import Branch


def test_sqlite_runs_in_wal_with_a_busy_timeout_and_foreign_keys(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 10000
    assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_write_transaction_takes_the_write_lock_up_front(app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    path = db.engine.url.database
    with write_transaction():
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            # A second writer cannot start while ours holds the lock, even before we wrote anything.
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        finally:
            other.close()


def test_write_transaction_rolls_back_on_error(app):
    with pytest.raises(RuntimeError):
        with write_transaction():
            db.session.add(Branch(code="X1", name="X", region="R"))
            db.session.flush()
            raise RuntimeError("boom")
    assert db.session.get(Branch, 1) is None
    assert db.session.query(Branch).count() == 0


def test_times_come_back_aware_in_utc(app, org, users):
    from inspection.visits.services import submit_visit
    from tests import factories

    local = datetime(2026, 11, 2, 18, 30, tzinfo=timezone.utc).astimezone()
    visit, _ = submit_visit(users["admin"], factories.small_checklist(),
                            factories.submission(started_at=local, finished_at=local))
    db.session.commit()
    db.session.expire_all()
    assert visit.finished_at == local
    assert visit.finished_at.tzinfo is not None


def test_naive_times_are_refused(app):
    from inspection.db import UTCDateTime

    with pytest.raises(ValueError, match="naive datetime"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), db.engine.dialect)


@pytest.mark.parametrize(("table", "column"), [("visits", "status"), ("corrective_actions", "status"),
                                                ("visit_events", "to_status"), ("users", "role")])
def test_the_database_refuses_a_state_the_lifecycle_does_not_know(app, org, users, table, column):
    from sqlalchemy.exc import IntegrityError

    from inspection.review.services import review
    from inspection.visits.services import submit_visit
    from tests import factories

    visit, _ = submit_visit(users["inspector"], factories.small_checklist(),
                            factories.submission(answers={"clerk": "E1-S1", "clean": True, "greet": 9}))
    review(users["manager"], visit, "release")  # opens a corrective action for the failed critical item
    db.session.commit()
    with pytest.raises(IntegrityError, match="(?i)check"):
        db.session.execute(text(f"UPDATE {table} SET {column} = 'approved'"))
        db.session.flush()
    db.session.rollback()
