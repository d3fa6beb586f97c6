"""Manage the checklist folder: list, open, check with a sample score, publish, retire, restore, compare.

Services take the acting user and flush; the view owns the transaction. Publishing, retiring and restoring
change the folder under the editor's lock and after their audit row is flushed, inside the caller's
transaction: a write that fails rolls the audit back, and a refused step writes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from .. import access
from ..audit.services import record
from ..auth.models import User
from ..catalog.models import ChecklistVersion
from ..catalog.services import frozen_checklist, get_catalog
from ..checklists import AnswerError, Checklist, score
from ..extensions import db
from ..labels import problem_text
from ..problems import Conflict, Invalid, NotFound
from . import files
from .compare import Diff, compare
from .files import Entry
from .sample import default_worst, sample_answers, scored_items
from .source import LineProblem, decode, id_line, normalise, validate

BLANK = """id: new-checklist
title: 新检查表
kind: inspection
pass_mark: 80
sections:
  - id: section-1
    title: 第一部分
    items:
      - id: item-1
        text: 检查项一
        type: yes_no
        points: 5
"""


@dataclass
class Source:
    """What the editor holds: the text, the file it edits ('' for a new one) and that file's digest then."""

    text: str
    file: str = ""
    base: str = ""
    upload: bytes | None = None  # an uploaded file replaces the text


@dataclass
class Sample:
    worst: str | None
    answers: dict
    result: dict | None = None
    problems: list[str] = field(default_factory=list)


@dataclass
class Check:
    source: Source
    checklist: Checklist | None
    problems: list[LineProblem]
    entry: Entry | None = None  # the edited file as it is in the folder now
    stale: bool = False  # that file changed since the editor opened it
    gone: bool = False  # that file is no longer in the folder (retired or removed meanwhile)
    sample: Sample | None = None

    @property
    def ok(self) -> bool:
        return self.checklist is not None and not self.problems


@dataclass
class Listing:
    loaded: list[Entry]
    failed: list[Entry]
    retired: list[Entry]
    versions: dict[str, int]  # stored versions per checklist id


@dataclass
class Published:
    checklist: Checklist
    file: str
    created: bool
    unchanged: bool = False


@dataclass
class Comparison:
    versions: list[ChecklistVersion]
    old: ChecklistVersion
    new: ChecklistVersion
    diff: Diff
    current: str | None  # the version the catalog offers now, if any


class Rejected(Invalid):
    """A text that cannot be published; `check` holds every problem with its line."""

    def __init__(self, check: Check):
        super().__init__("the checklist has problems; nothing was published")
        self.check = check


def _require(user: User) -> None:
    access.require(user, "checklists.manage")


def listing(user: User) -> Listing:
    """Return the folder's checklists, the files that do not load, the retired ones and version counts."""
    _require(user)
    found = files.entries()
    counts = select(ChecklistVersion.checklist_id, func.count()).group_by(ChecklistVersion.checklist_id)
    return Listing([entry for entry in found if entry.loaded], [entry for entry in found if not entry.loaded],
                   files.entries(files.retired_folder()), dict(db.session.execute(counts).all()))


def blank(user: User) -> Source:
    """Return the text a new checklist starts from."""
    _require(user)
    return Source(BLANK)


def open_file(user: User, name: str) -> Check:
    """Open a file of the folder for editing; a file that does not load comes with its problems."""
    _require(user)
    entry = files.find(name)
    if entry is None:
        raise NotFound("there is no checklist file %(file)s", file=name)
    text, problems = decode(entry.data)
    source = Source(text if text is not None else normalise(entry.data.decode("utf-8", "replace")), name,
                    entry.digest)
    if entry.loaded:
        return Check(source, entry.checklist, [], entry)
    check = _check(source, files.entries(), files.entries(files.retired_folder()))
    check.problems[:0] = problems
    return check


def check(user: User, source: Source, worst: str | None = None) -> Check:
    """Check a text as the catalog would load it, and score a sample answer set when it is valid."""
    _require(user)
    result = _check(source, files.entries(), files.entries(files.retired_folder()))
    if result.ok:
        result.sample = _sample(result.checklist, worst)
    return result


def _check(source: Source, found: list[Entry], retired: list[Entry]) -> Check:
    entry = next((candidate for candidate in found if candidate.name == source.file), None) if source.file else None
    gone, stale = bool(source.file) and entry is None, entry is not None and entry.digest != source.base
    text = source.text
    if source.upload is not None:
        text, problems = decode(source.upload)
        if text is None:
            return Check(replace(source, upload=None), None, problems, entry, stale, gone)
    source = replace(source, text=normalise(text), upload=None)
    checklist, problems = validate(source.text)
    if checklist is not None:
        problems += _id_problems(checklist, source.text, entry, found, retired)
    return Check(source, checklist, problems, entry, stale, gone)


def _id_problems(checklist: Checklist, text: str, entry: Entry | None, found: list[Entry],
                 retired: list[Entry]) -> list[LineProblem]:
    """Refuse an id that changes on an existing checklist, or that another file (even retired) holds."""
    line, new_id = id_line(text), checklist.id
    if entry is not None and entry.loaded and entry.checklist.id != new_id:
        message = _l("The id cannot change: this file holds the checklist “%(old)s”. "
                     "To start a new checklist from this text, use “New checklist”.")
        return [LineProblem(line, message, {"old": entry.checklist.id})]
    problems = []
    for other in found:
        holds_id = other.checklist is not None and other.checklist.id == new_id
        if other is not entry and (holds_id or (entry is None and other.path.stem == new_id)):
            message = _l("The id “%(id)s” is already used by %(file)s.")
            problems.append(LineProblem(line, message, {"id": new_id, "file": other.name}))
    for other in retired if entry is None else []:
        if (other.checklist is not None and other.checklist.id == new_id) or other.path.stem == new_id:
            message = _l("A retired checklist has the id “%(id)s” (%(file)s): restore it, or choose another id.")
            problems.append(LineProblem(line, message, {"id": new_id, "file": other.name}))
    return problems


def _sample(checklist: Checklist, worst: str | None) -> Sample:
    """Score every item at its best answer and one at its worst, with the engine."""
    if worst not in {item.id for item in scored_items(checklist)}:
        worst = default_worst(checklist)
    answers = sample_answers(checklist, worst)
    try:
        result = score(checklist, answers).to_dict()
    except AnswerError as error:
        return Sample(worst, answers, problems=[problem_text(problem.code, problem.message)
                                                for problem in error.problems])
    return Sample(worst, answers, result)


def publish(user: User, source: Source) -> Published:
    """Write a checked text into the folder under its checklist's file, unless that file changed meanwhile."""
    _require(user)
    with files.locked():
        result = _check(source, files.entries(), files.entries(files.retired_folder()))
        entry = result.entry
        if result.gone:
            raise Conflict("the file %(file)s is no longer in the checklist folder: it was retired or removed "
                           "since you opened it", file=source.file)
        if result.stale:
            raise Conflict("the file %(file)s changed since you opened it: someone published another version "
                           "meanwhile", file=source.file)
        if not result.ok:
            raise Rejected(result)
        checklist, data = result.checklist, result.source.text.rstrip("\n").encode("utf-8") + b"\n"
        if entry is not None and files.digest(data) == entry.digest:
            return Published(checklist, entry.name, created=False, unchanged=True)
        target = entry.path if entry is not None else files.folder() / f"{checklist.id}.yaml"
        previous = entry.checklist.version if entry is not None and entry.checklist is not None else None
        record("checklist_publish", user, checklist.id,
               {"file": target.name, "version": checklist.version, "previous": previous})
        files.write_atomically(target, data)
    return Published(checklist, target.name, created=entry is None)


def retire(user: User, name: str) -> Entry:
    """Move a file to `retired/`: no longer offered for new visits, while past visits keep their version."""
    _require(user)
    with files.locked():
        entry = files.find(name)
        if entry is None:
            raise NotFound("there is no checklist file %(file)s", file=name)
        target = files.retired_folder() / entry.name
        if target.exists():
            raise Conflict("a retired file is already named %(file)s: restore or remove it first", file=name)
        record("checklist_retire", user, _label(entry), {"file": name, "version": _version(entry)})
        files.move(entry.path, target)
    return entry


def restore(user: User, name: str) -> Entry:
    """Move a retired file back into the folder, unless its name or its checklist id is in use there now."""
    _require(user)
    with files.locked():
        entry = files.find(name, files.retired_folder())
        if entry is None:
            raise NotFound("there is no retired checklist file %(file)s", file=name)
        target = files.folder() / entry.name
        if target.exists():
            raise Conflict("the checklist folder already has a file named %(file)s", file=name)
        if entry.checklist is not None:
            clash = next((other for other in files.entries()
                          if other.checklist is not None and other.checklist.id == entry.checklist.id), None)
            if clash is not None:
                raise Conflict("the checklist id %(id)s is used by %(file)s now: retire that one first",
                               id=entry.checklist.id, file=clash.name)
        record("checklist_restore", user, _label(entry), {"file": name, "version": _version(entry)})
        files.move(entry.path, target)
    return entry


def _label(entry: Entry) -> str:
    return entry.checklist.id if entry.checklist is not None else entry.name


def _version(entry: Entry) -> str | None:
    return entry.checklist.version if entry.checklist is not None else None


def versions(user: User, checklist_id: str) -> list[ChecklistVersion]:
    """Return the stored (frozen) versions of a checklist, oldest first."""
    _require(user)
    rows = db.session.scalars(select(ChecklistVersion).where(ChecklistVersion.checklist_id == checklist_id)
                              .order_by(ChecklistVersion.created_at, ChecklistVersion.version)).all()
    if not rows:
        raise NotFound("no version of checklist %(id)s is stored", id=checklist_id)
    return list(rows)


def compare_versions(user: User, checklist_id: str, old: str | None = None, new: str | None = None) -> Comparison:
    """Compare two stored versions; by default the one offered now (else the newest) with the one before."""
    rows = versions(user, checklist_id)
    by_version = {row.version: row for row in rows}
    offered = get_catalog().checklists.get(checklist_id)
    current = offered.version if offered is not None and offered.version in by_version else None
    new_row = by_version.get(new) if new else by_version.get(current, rows[-1])
    # By default the version stored just before the new one, so that "before" is never the newer side.
    earlier = rows[:rows.index(new_row)] if new_row in rows else []
    old_row = by_version.get(old) if old else (earlier or [row for row in rows if row is not new_row] or rows)[-1]
    if old_row is None or new_row is None:
        raise NotFound("checklist %(id)s has no such version", id=checklist_id)
    diff = compare(frozen_checklist(old_row.version), frozen_checklist(new_row.version))
    return Comparison(rows, old_row, new_row, diff, current)
