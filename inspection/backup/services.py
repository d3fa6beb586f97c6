"""Write a backup folder (database dump, media copy, manifest) and restore one after checking it."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import flask_migrate
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from flask import current_app
from sqlalchemy import func, inspect, select, text

from ..db import utcnow
from ..extensions import db, media_store
from ..media.store import MediaError
from . import database, media
from .database import DatabaseError, count_rows, dump_file
from .media import file_hash, remove_tree, safe_name

MANIFEST = "manifest.json"
MEDIA = "media"
FORMAT = 1


class BackupError(Exception):
    """A backup or restore refused or failed; the message names what is wrong."""


@dataclass
class Restored:
    rows: int
    files: int
    upgraded_from: str | None  # the backup's revision when the schema was upgraded after restoring it


def table_names() -> list[str]:
    """Return the app's tables and Alembic's version table that the database has (an older schema lacks some)."""
    existing = set(inspect(db.engine).get_table_names())
    return [name for name in [table.name for table in db.metadata.sorted_tables] + [database.VERSION_TABLE]
            if name in existing]


def create_backup(parent: Path) -> Path:
    """Write parent/<UTC time>/ with the dump, the media and the manifest; return the folder."""
    now = utcnow()
    final = parent / now.strftime("%Y%m%dT%H%M%SZ")
    if final.exists():
        raise BackupError(f"{final} exists already: wait a second and try again")
    # Written under a temporary name and renamed when complete: a folder with a final name is a whole backup.
    folder = parent / (final.name + ".partial")
    folder.mkdir(parents=True)
    try:
        manifest = {"format": FORMAT, "app_version": version("inspection"), "backend": db.engine.dialect.name,
                    "created_at": now.isoformat(), **dump_database(folder)}
        # After the dump: every file a dumped row names is stored already (files are written before commits).
        manifest["media"] = backup_media(folder / MEDIA)
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True), encoding="utf-8")
        os.replace(folder, final)
    except BaseException:
        remove_tree(folder)
        raise
    return final


def backup_media(folder: Path) -> dict[str, str]:
    """Copy every stored object (uploads under way left out) into the folder; return their sha256s by key."""
    store, hashes = media_store(), {}
    try:
        for stored in store.objects():
            digest = media.export(store, stored.key, folder / safe_name(stored.key))
            if digest is not None:
                hashes[stored.key] = digest
    except MediaError as error:
        raise BackupError(str(error)) from None
    return hashes


def dump_database(folder: Path) -> dict:
    """Dump the database into the folder; return the manifest's database part."""
    backend, target = db.engine.dialect.name, folder / dump_file(db.engine.dialect.name)
    try:
        if backend == "sqlite":
            counts, revision = database.dump_sqlite(db.engine, target, table_names())
            schema = None
        else:
            with db.engine.connect() as connection:
                counts, revision = database.dump_postgres(connection, target, table_names())
                schema = database.current_schema(connection)
    except DatabaseError as error:
        raise BackupError(str(error)) from None
    return {"alembic_revision": revision, "schema": schema, "rows": counts,
            "database": {"file": target.name, "sha256": file_hash(target)}}


def read_manifest(folder: Path) -> dict:
    """Read a backup's manifest and check every file against its hash; name the first that differs."""
    if not (folder / MANIFEST).is_file():
        raise BackupError(f"{folder} is not a backup: it has no {MANIFEST}")
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        expected = {manifest["database"]["file"]: manifest["database"]["sha256"]}
        expected.update((f"{MEDIA}/{safe_name(name)}", digest) for name, digest in manifest["media"].items())
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise BackupError(f"{folder / MANIFEST} is damaged: {error}") from None
    for name, digest in expected.items():
        path = folder / name
        if not path.is_file():
            raise BackupError(f"the backup is incomplete: {path} is missing")
        if file_hash(path) != digest:
            raise BackupError(f"the backup is damaged: {path} does not match its sha256 in the manifest")
    return manifest


def check_target(manifest: dict, force: bool) -> None:
    """Refuse a backup of another backend, schema or newer code, and a database with rows unless forced."""
    backend = db.engine.dialect.name
    if manifest.get("backend") != backend:
        raise BackupError(f"the backup is of a {manifest.get('backend')} database, this app uses {backend}")
    with db.engine.connect() as connection:
        schema = database.current_schema(connection) if backend == "postgresql" else None
        existing = set(inspect(connection).get_table_names())
        rows = sum(connection.scalar(select(func.count()).select_from(table))
                   for table in db.metadata.sorted_tables if table.name in existing)
    if schema != manifest.get("schema"):
        raise BackupError(f"the backup is of schema {manifest.get('schema')}, this app uses {schema}")
    try:
        migrations().get_revision(manifest["alembic_revision"])
    except CommandError:
        raise BackupError(f"the backup's schema revision {manifest['alembic_revision']} is unknown to this "
                          f"version of the app (a backup of a newer version?)") from None
    if rows and not force:
        raise BackupError(f"the database holds {rows} rows: restore only into an empty database, or give --force "
                          f"to replace them")


def restore_backup(folder: Path, force: bool = False) -> Restored:
    """Check the backup, restore the database, compare row counts, restore the media, upgrade the schema."""
    manifest = read_manifest(folder)
    check_target(manifest, force)
    db.session.remove()
    source = folder / manifest["database"]["file"]
    try:
        if manifest["backend"] == "sqlite":
            database.restore_sqlite(db.engine, source)
        else:
            newer = [name for name in table_names() if name not in manifest["rows"]]
            database.restore_postgres(db.engine, source, newer)
    except DatabaseError as error:
        raise BackupError(str(error)) from None
    compare_rows(manifest)
    store = media_store()
    try:
        for name in manifest["media"]:
            media.restore(store, folder / MEDIA / safe_name(name), name)
    except MediaError as error:
        raise BackupError(str(error)) from None
    return Restored(sum(manifest["rows"].values()), len(manifest["media"]), upgrade(manifest["alembic_revision"]))


def compare_rows(manifest: dict) -> None:
    """Count the rows of every table again and refuse to go on if any differs from the manifest."""
    # Only names this version knows go into SQL: the manifest is read from disk.
    with db.engine.connect() as connection:
        counts, _ = count_rows(lambda sql: connection.scalar(text(sql)), table_names())
    differing = [f"{name}: {counts.get(name)} rows, expected {manifest['rows'].get(name)}"
                 for name in sorted(counts.keys() | manifest["rows"].keys())
                 if counts.get(name) != manifest["rows"].get(name)]
    if differing:
        raise BackupError("the restored database differs from the backup: " + "; ".join(differing))


def migrations() -> ScriptDirectory:
    """Return this version's Alembic migrations."""
    return ScriptDirectory(current_app.extensions["migrate"].directory)


def upgrade(revision: str) -> str | None:
    """Bring a backup of an older version up to this version's schema; return the old revision if it was."""
    if revision in migrations().get_heads():
        return None
    flask_migrate.upgrade(directory=current_app.extensions["migrate"].directory)
    return revision
