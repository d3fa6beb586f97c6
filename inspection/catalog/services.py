"""The app's checklists: loaded from the checklist folder, reloaded when files change."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from ..checklists import Checklist, ChecklistError, canonical_json, from_snapshot, load_file
from ..extensions import db
from ..visits.models import ChecklistVersion

_lock = threading.Lock()


class ChecklistUnavailable(LookupError):
    """No checklist (or no such version of it) to score a submission with."""


@dataclass
class Catalog:
    checklists: dict[str, Checklist] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    stamp: tuple = ()


def checklist_files(folder: Path) -> list[Path]:
    """Return the folder's checklist files in a stable order."""
    return sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])


def get_catalog() -> Catalog:
    """Return the current checklists; files that fail to load are left out and listed."""
    folder = Path(current_app.config["CHECKLIST_DIR"])
    files = checklist_files(folder)
    stamp = tuple((str(path), path.stat().st_mtime_ns, path.stat().st_size) for path in files)
    cached = current_app.extensions.get("inspection_catalog")
    if cached is not None and cached.stamp == stamp:
        return cached
    with _lock:
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
        current_app.extensions["inspection_catalog"] = catalog
        return catalog


def freeze(checklist: Checklist) -> ChecklistVersion:
    """Store the checklist's frozen copy once per version and return it; flush only."""
    frozen = db.session.get(ChecklistVersion, checklist.version)
    if frozen is None:
        frozen = ChecklistVersion(version=checklist.version, checklist_id=checklist.id,
                                  title=checklist.title, content=canonical_json(checklist))
        db.session.add(frozen)
        db.session.flush()
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


def checklist_for_submission(checklist_id: str, version: str | None) -> Checklist:
    """Return the checklist a visit was filled against: the given version, else the current one."""
    current = get_catalog().checklists.get(checklist_id)
    if version is None or (current is not None and current.version == version):
        if current is None:
            raise ChecklistUnavailable(f"no checklist '{checklist_id}'")
        return current
    frozen = frozen_checklist(version)
    if frozen is None or frozen.id != checklist_id:
        raise ChecklistUnavailable(f"checklist '{checklist_id}' has no version {version[:12]}")
    return frozen
