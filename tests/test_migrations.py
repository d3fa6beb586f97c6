"""Migration 0007 on a database that holds data: times and photos backfilled, states constrained, reversible."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

import flask_migrate
import pytest
from sqlalchemy import MetaData, insert, select, text
from sqlalchemy.exc import IntegrityError

from inspection import create_app
from inspection.extensions import db

from .conftest import _postgres_schema, _test_config

STARTED = datetime(2026, 10, 2, 9, 0, tzinfo=timezone.utc)
FINISHED = datetime(2026, 10, 2, 9, 40, tzinfo=timezone.utc)


@pytest.fixture
def old_app(request, database, tmp_path):
    """Yield an app on a database of its own, migrated only up to 0006 (before this change)."""
    if database["DATABASE_URL"].startswith("sqlite"):
        settings = {"DATABASE_URL": f"sqlite:///{tmp_path / 'old.sqlite3'}"}
    else:
        url, options = _postgres_schema(request)
        settings = {"DATABASE_URL": url, "SQLALCHEMY_ENGINE_OPTIONS": options}
    app = create_app(_test_config(settings, tmp_path / "media"))
    with app.app_context():
        flask_migrate.upgrade(directory=app.extensions["migrate"].directory, revision="0006")
        yield app
        db.session.remove()
        db.engine.dispose()


def _seed(connection) -> None:
    """Write a returned-then-corrected, released visit with two photos, as the 0006 schema stored it."""
    tables = MetaData()
    tables.reflect(connection)
    t = tables.tables
    connection.execute(insert(t["users"]), [{"id": 1, "email": "a@example.com", "name": "A", "role": "inspector",
                                            "password_hash": "x", "active": True}])
    connection.execute(insert(t["branches"]), [{"id": 1, "code": "E1", "name": "E1", "region": "East",
                                               "address": "", "active": True}])
    connection.execute(insert(t["checklist_versions"]), [{"version": "v" * 64, "checklist_id": "small",
                                                         "title": "小", "content": "{}", "created_at": STARTED}])
    key = uuid.uuid4()  # stored as each backend stores a UUID
    connection.execute(insert(t["visits"]), [{
        "id": 1, "uuid": key if connection.dialect.name == "postgresql" else key.hex, "checklist_id": "small",
        "checklist_version": "v" * 64, "branch_id": 1,
        "submitter_id": 1, "started_at": STARTED, "finished_at": FINISHED, "submitted_at": FINISHED,
        "status": "released", "version": 2, "result": {"score": 90.0}, "critical_failures": 0,
        "content_sha256": "c" * 64}])
    connection.execute(insert(t["photos"]), [
        {"id": n, "visit_id": 1, "item_id": "overview", "stored_name": f"{n:032x}.jpg", "sha256": "s" * 64,
         "size": 10, "width": 4, "height": 3} for n in (1, 2)])
    connection.execute(insert(t["visit_revisions"]), [
        {"id": n, "visit_id": 1, "version": n, "answers": {}, "notes": {}, "result": {}, "created_by_id": 1,
         "created_at": FINISHED} for n in (1, 2)])
    connection.execute(insert(t["visit_events"]), [
        {"id": 1, "visit_id": 1, "actor_id": 1, "action": "submit", "from_status": None, "to_status": "submitted",
         "version": 1, "comment": "", "item_comments": {}, "at": FINISHED}])


def test_0007_backfills_revisions_and_constrains_states(old_app):
    with db.engine.begin() as connection:
        _seed(connection)
    flask_migrate.upgrade(directory=old_app.extensions["migrate"].directory)
    with db.engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT version, started_at, finished_at, photos, content_sha256 FROM visit_revisions ORDER BY version"))
        revisions = [tuple(row) for row in rows]
    names = [f"{n:032x}.jpg" for n in (1, 2)]
    for version, started, finished, photos, fingerprint in revisions:
        photos = json.loads(photos) if isinstance(photos, str) else photos
        assert [photo["name"] for photo in photos] == names, version  # corrections could not change photos then
        assert _aware(started) == STARTED and _aware(finished) == FINISHED
        assert fingerprint == ("c" * 64 if version == 1 else None)
    for statement in ("UPDATE visits SET status = 'approved'", "UPDATE visit_events SET action = 'approve'",
                      "UPDATE users SET role = 'boss'"):
        with pytest.raises(IntegrityError), db.engine.begin() as connection:
            connection.execute(text(statement))
    with db.engine.begin() as connection:  # one file may now back several rows: the name is no longer unique
        connection.execute(text(f"UPDATE photos SET stored_name = '{names[0]}'"))
    assert _stored_names() == [names[0], names[0]]


def test_0007_can_be_undone(old_app):
    with db.engine.begin() as connection:
        _seed(connection)
    directory = old_app.extensions["migrate"].directory
    flask_migrate.upgrade(directory=directory)
    flask_migrate.downgrade(directory=directory, revision="0006")
    with db.engine.connect() as connection:
        columns = list(connection.execute(text("SELECT * FROM visit_revisions")).keys())
    assert "photos" not in columns and "started_at" not in columns
    assert len(_stored_names()) == 2


def _stored_names() -> list[str]:
    with db.engine.connect() as connection:
        return list(connection.scalars(select(text("stored_name")).select_from(text("photos"))))


def _aware(moment):
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
