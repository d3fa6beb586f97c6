"""`flask backup DIR` and `flask restore DIR/<time>`: a round trip keeps every row and media file."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import flask_migrate
import pytest
from sqlalchemy import func, select, text

from inspection.actions.models import CorrectiveAction
from inspection.actions.services import advance
from inspection.db import write_transaction
from inspection.extensions import db, media_store
from inspection.media.store import TMP_PREFIX
from inspection.photos.processing import process
from inspection.photos.storage import write_with_files
from inspection.review.services import review
from inspection.visits.services import submit_visit

from . import factories
from .conftest import BOTH_STORAGES, _empty_tables


@pytest.fixture
def data(app, users):
    """Commit visits with photos, a closed corrective action with evidence, and a half-written upload."""
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    for branch, colour in (("E1", (200, 120, 40)), ("E2", (20, 90, 160))):
        photos = [("overview", process(factories.jpeg_bytes(640, 480, colour=colour), 10**7, 10**8))]
        sub = factories.submission(branch, answers={"clerk": f"{branch}-S1", "clean": True, "greet": 7},
                                   photos=photos)
        with write_with_files(media_store()) as files:
            visit, _ = submit_visit(users["inspector"], factories.small_checklist(), sub, files)
        with write_transaction():
            review(users["manager"], visit, "release")
    action = db.session.scalars(select(CorrectiveAction)).first()
    photo = process(factories.jpeg_bytes(400, 300, colour=(90, 200, 90)), 10**7, 10**8)
    with write_with_files(media_store()) as files:
        advance(users["manager"], action, "start")
        advance(users["manager"], action, "close", note="已整改", photo=photo, files=files)
    media_store().check()  # the readiness probe: in S3 it leaves an object under tmp/
    if app.config["MEDIA_STORAGE"] == "local":
        (Path(app.config["MEDIA_DIR"]) / TMP_PREFIX / "upload.0badc0de.partial").write_bytes(b"half")


def row_counts() -> dict[str, int]:
    """Return the row count of every table."""
    with db.engine.connect() as connection:
        return {table.name: connection.scalar(select(func.count()).select_from(table))
                for table in db.metadata.sorted_tables}


def media_hashes() -> dict[str, str]:
    """Return the sha256 of every stored media file (not the uploads under way) by key."""
    store = media_store()
    return {stored.key: hashlib.sha256(store.get(stored.key)).hexdigest() for stored in store.objects()}


def back_up(runner, tmp_path) -> Path:
    """Run `flask backup` into a fresh folder; return the one backup written."""
    result = runner.invoke(args=["backup", str(tmp_path / "backups")])
    assert result.exit_code == 0, result.output
    [folder] = (tmp_path / "backups").iterdir()
    return folder


def wipe(app) -> None:
    """Empty every table and the media store, as after losing the server (or the bucket)."""
    db.session.remove()
    _empty_tables()
    for stored in list(media_store().objects()):
        media_store().delete(stored.key)
    shutil.rmtree(app.config["MEDIA_DIR"], ignore_errors=True)


def restore(runner, folder: Path, *options: str):
    return runner.invoke(args=["restore", str(folder), *options])


@BOTH_STORAGES
def test_round_trip_keeps_every_row_and_file(app, runner, data, tmp_path):
    rows, files = row_counts(), media_hashes()
    assert rows["visits"] == 2 and rows["photos"] == 2 and rows["corrective_actions"] >= 1
    assert len(files) == 6  # two photos and the evidence, each with its thumbnail
    folder = back_up(runner, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["backend"] == db.engine.dialect.name and manifest["alembic_revision"]
    assert manifest["rows"]["visits"] == 2 and manifest["media"] == files
    assert not any(key.startswith("tmp/") for key in manifest["media"])  # uploads under way, probes: left out
    wipe(app)
    assert sum(row_counts().values()) == 0 and media_hashes() == {}

    result = restore(runner, folder)

    assert result.exit_code == 0, result.output
    assert row_counts() == rows
    assert media_hashes() == files
    assert not (Path(app.config["MEDIA_DIR"]) / TMP_PREFIX / "upload.0badc0de.partial").exists()  # not restored


@BOTH_STORAGES
@pytest.mark.parametrize("damage", ["database", "media"])
def test_a_damaged_backup_is_refused_naming_the_file(app, runner, data, tmp_path, damage):
    folder = back_up(runner, tmp_path)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    victim = folder / (manifest["database"]["file"] if damage == "database" else "media/" + min(manifest["media"]))
    content = bytearray(victim.read_bytes())
    content[len(content) // 2] ^= 0x01
    victim.write_bytes(bytes(content))
    wipe(app)

    result = restore(runner, folder)

    assert result.exit_code == 1
    assert f"damaged: {victim} does not match its sha256" in result.output
    assert "Traceback" not in result.output
    assert sum(row_counts().values()) == 0  # nothing was restored


def test_a_database_with_rows_is_replaced_only_when_forced(app, runner, data, tmp_path):
    rows = row_counts()
    folder = back_up(runner, tmp_path)
    factories.make_user("inspector")
    db.session.commit()

    refused = restore(runner, folder)

    assert refused.exit_code == 1 and "give --force" in refused.output
    assert row_counts()["users"] == rows["users"] + 1
    forced = restore(runner, folder, "--force")
    assert forced.exit_code == 0, forced.output
    assert row_counts() == rows


def test_a_backup_of_an_unknown_schema_revision_is_refused(app, runner, data, tmp_path):
    folder = back_up(runner, tmp_path)
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    manifest_path.write_text(json.dumps({**manifest, "alembic_revision": "9999_from_the_future"}), encoding="utf-8")
    wipe(app)

    result = restore(runner, folder)

    assert result.exit_code == 1 and "revision 9999_from_the_future is unknown" in result.output


def test_missing_folders_and_tools_are_named(app, runner, tmp_path, monkeypatch):
    missing = restore(runner, tmp_path / "nowhere")
    assert missing.exit_code == 2 and "does not exist" in missing.output
    not_a_backup = restore(runner, tmp_path)
    assert not_a_backup.exit_code == 1 and "has no manifest.json" in not_a_backup.output
    (tmp_path / "manifest.json").write_text('{"database": {}}', encoding="utf-8")
    damaged = restore(runner, tmp_path)
    assert damaged.exit_code == 1 and "manifest.json is damaged" in damaged.output
    if db.engine.dialect.name == "postgresql":
        monkeypatch.setenv("PATH", str(tmp_path))
        result = runner.invoke(args=["backup", str(tmp_path / "backups")])
        assert result.exit_code == 1 and "pg_dump is not installed" in result.output
        assert list((tmp_path / "backups").iterdir()) == []  # no half-written backup is left


def test_the_dump_holds_the_app_schema_only(app, runner, data, tmp_path):
    folder = back_up(runner, tmp_path)
    with db.engine.connect() as connection:
        revision = connection.scalar(text("SELECT version_num FROM alembic_version"))
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["alembic_revision"] == revision
    assert manifest["rows"]["alembic_version"] == 1


def test_a_backup_of_an_older_schema_is_upgraded_after_restoring(app, runner, data, tmp_path):
    directory = app.extensions["migrate"].directory
    rows = row_counts()
    db.session.remove()
    flask_migrate.downgrade(directory=directory, revision="-1")
    try:
        with db.engine.connect() as connection:
            old = connection.scalar(text("SELECT version_num FROM alembic_version"))
        folder = back_up(runner, tmp_path)
        flask_migrate.upgrade(directory=directory)

        result = restore(runner, folder, "--force")

        assert result.exit_code == 0, result.output
        assert f"upgraded from the backup's revision {old}" in result.output
        assert row_counts() == rows
    finally:
        db.session.remove()
        flask_migrate.upgrade(directory=directory)  # the database is shared with the tests that follow
    with db.engine.connect() as connection:
        assert connection.scalar(text("SELECT version_num FROM alembic_version")) != old
