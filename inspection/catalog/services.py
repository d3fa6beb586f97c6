"""The app's checklists: loaded from the checklist folder, reloaded when files change, frozen as loaded."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..checklists import Checklist, ChecklistError, canonical_json, from_snapshot, load_file
from ..db import utcnow, write_transaction
from ..extensions import db
from ..problems import NotFound
from .models import ChecklistVersion, insert_missing_versions

_lock = threading.Lock()


@dataclass
class Catalog:
    checklists: dict[str, Checklist] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    stamp: tuple = ()


def checklist_files(folder: Path) -> list[Path]:
    """Return the folder's checklist files in a stable order."""
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


def get_catalog() -> Catalog:
    """Return the checklists as last loaded, loading them the first time; only refresh_catalog reloads."""
    cached = current_app.extensions.get("inspection_catalog")
    return cached if cached is not None else refresh_catalog()


def refresh_catalog() -> Catalog:
    """Reload the checklists if their files changed, freezing new versions; run before a request's work."""
    folder = Path(current_app.config["CHECKLIST_DIR"])
    files = checklist_files(folder)
    stamp = tuple((str(path), path.stat().st_mtime_ns, path.stat().st_size) for path in files)
    cached = current_app.extensions.get("inspection_catalog")
    if cached is not None and cached.stamp == stamp:
        return cached
    with _lock:
        cached = current_app.extensions.get("inspection_catalog")
        if cached is not None and cached.stamp == stamp:  # another thread loaded it while we waited
            return cached
        catalog = _load(files, stamp)
        # Frozen as soon as they are offered, so that a draft filled against one is scored with it later.
        freeze_all(list(catalog.checklists.values()))
        current_app.extensions["inspection_catalog"] = catalog
        return catalog


def _load(files: list[Path], stamp: tuple) -> Catalog:
    catalog = Catalog(stamp=stamp)
    for path in files:
        try:
            checklist = load_file(path)
        except ChecklistError as error:
            catalog.problems.extend(error.problems)
            continue
        if checklist.id in catalog.checklists:
            catalog.problems.append(f"{path}:1: checklist id '{checklist.id}' is used twice")
            continue
        catalog.checklists[checklist.id] = checklist
    for problem in catalog.problems:
        current_app.logger.error("checklist not loaded: %s", problem)
    return catalog


def _version_row(checklist: Checklist) -> dict:
    return {"version": checklist.version, "checklist_id": checklist.id, "title": checklist.title,
            "content": canonical_json(checklist), "created_at": utcnow()}


def freeze_all(checklists: list[Checklist]) -> None:
    """Store the frozen copy of each checklist version not stored yet (a write only when one is missing)."""
    wanted = {checklist.version: checklist for checklist in checklists}
    stored = set(db.session.scalars(select(ChecklistVersion.version).where(ChecklistVersion.version.in_(wanted))))
    rows = [_version_row(checklist) for version, checklist in wanted.items() if version not in stored]
    if rows:
        with write_transaction():
            db.session.execute(insert_missing_versions(db.engine.dialect.name, rows))


def freeze(checklist: Checklist) -> ChecklistVersion:
    """Store the checklist's frozen copy once per version, within the caller's transaction, and return it."""
    frozen = db.session.get(ChecklistVersion, checklist.version)
    if frozen is None:
        db.session.execute(insert_missing_versions(db.engine.dialect.name, [_version_row(checklist)]))
        frozen = db.session.get(ChecklistVersion, checklist.version)
    return frozen


def frozen_checklist(version: str) -> Checklist | None:
    """Return the checklist exactly as it was when this version was stored."""
    cache = current_app.extensions.setdefault("inspection_frozen", {})
    if version not in cache:
        content = db.session.scalar(select(ChecklistVersion.content).where(ChecklistVersion.version == version))
        if content is None:
            return None
        cache[version] = from_snapshot(content)
    return cache[version]


def checklist_title(checklist_id: str) -> str:
    """Return the title of a loaded checklist, or its id when it is no longer loaded."""
    checklist = get_catalog().checklists.get(checklist_id)
    return checklist.title if checklist else checklist_id


def checklist_for_submission(checklist_id: str, version: str | None) -> Checklist:
    """Return the checklist a visit was filled against: the given version, else the current one."""
    current = get_catalog().checklists.get(checklist_id)
    if version is None or (current is not None and current.version == version):
        if current is None:
            raise NotFound("no checklist '%(id)s'", id=checklist_id)
        return current
    frozen = frozen_checklist(version)
    if frozen is None or frozen.id != checklist_id:
        raise NotFound("checklist '%(id)s' has no version %(version)s", id=checklist_id, version=version[:12])
    return frozen
