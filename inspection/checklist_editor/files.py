"""The checklist folder as the editor sees it: files by name, written whole, retired to a subfolder.

The catalog reads only the folder's own `*.yaml` and `*.yml` files, so a file in `retired/` is no longer
offered, and a temporary file (`.name.tmp`) is never read half-written. Names always come from a listing of
the folder, never from a request, so no path a user types can reach outside it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import tempfile
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app

from ..catalog.services import checklist_files
from ..checklists import Checklist, ChecklistError
from ..checklists.loader import load_bytes
from ..media.local import sync_folder

RETIRED = "retired"
LOCK_NAME = "checklist-editor.lock"


@dataclass
class Entry:
    """One checklist file: its name, the digest of its bytes, and its checklist or why it does not load."""

    name: str
    path: Path
    digest: str
    data: bytes = field(default=b"", repr=False)
    checklist: Checklist | None = None
    problems: list[str] = field(default_factory=list)

    @property
    def loaded(self) -> bool:
        return self.checklist is not None and not self.problems


def folder() -> Path:
    """Return the checklist folder the catalog offers."""
    return Path(current_app.config["CHECKLIST_DIR"])


def retired_folder() -> Path:
    return folder() / RETIRED


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def read_entry(path: Path) -> Entry:
    """Read and check one file as the catalog would."""
    try:
        data = path.read_bytes()
    except OSError as error:
        return Entry(path.name, path, "", problems=[f"{path.name}:1: cannot read file: {error.strerror}"])
    entry = Entry(path.name, path, digest(data), data)
    try:
        entry.checklist = load_bytes(data, path.name)
    except ChecklistError as error:
        entry.problems = list(error.problems)
    return entry


def entries(where: Path | None = None) -> list[Entry]:
    """Return the files of the folder (or of `retired/`), in the catalog's order; a repeated id is a problem."""
    where = where or folder()
    found, seen = [], set()
    for path in checklist_files(where) if where.is_dir() else []:
        entry = read_entry(path)
        if entry.checklist is not None and not entry.problems:
            if entry.checklist.id in seen and where == folder():
                entry.problems = [f"{path.name}:1: checklist id '{entry.checklist.id}' is used twice"]
            seen.add(entry.checklist.id)
        found.append(entry)
    return found


def find(name: str, where: Path | None = None) -> Entry | None:
    """Return the entry of the folder (or of `retired/`) with this file name, if there is one."""
    return next((entry for entry in entries(where) if entry.name == name), None)


@contextmanager
def locked():
    """Hold the editor's lock, so that two publishers (in any worker) never both pass the same check."""
    Path(current_app.instance_path).mkdir(parents=True, exist_ok=True)
    with open(Path(current_app.instance_path) / LOCK_NAME, "a+b") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def write_atomically(path: Path, data: bytes) -> None:
    """Write the file whole or not at all: a hidden temporary file, fsync, then rename over the old one."""
    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False)
    try:
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, 0o644)
        os.replace(handle.name, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(handle.name)
        raise
    sync_folder(path.parent)


def move(source: Path, target: Path) -> None:
    """Move a file within the checklist folder (in or out of `retired/`) in one rename."""
    target.parent.mkdir(exist_ok=True)
    os.replace(source, target)
    sync_folder(source.parent)
    sync_folder(target.parent)

