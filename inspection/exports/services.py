"""Visits and answers as rows for CSV and XLSX, streamed from the database in batches.

Rows come in two forms. For people (the default): headers in the user's language, the status, yes/no and
each answer as the pages say them, names and titles beside codes and ids, scores to one decimal. For
machines (`machine=True`, `?header=ids`): the column ids as the header, status ids, `true`/`false` and
answers as stored. Either way times are aware and in the zone where the branches are (localtime); the
writers make them text or date cells.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import access, localtime
from ..answer_labels import answer_label
from ..auth.models import User
from ..catalog.services import frozen_checklist, get_catalog
from ..checklists import Checklist
from ..extensions import db
from ..labels import status_label
from ..lifecycle import VisitStatus
from ..org.models import Branch
from ..visits.models import Answer, StaffResult, Visit

BATCH = 500
# Column id (the machine-readable header, stable for integrations) -> the header people read.
VISIT_COLUMNS = {
    "visit": _l("Visit id"), "finished_at": _l("Finished at"), "branch": _l("Branch code"),
    "branch_name": _l("Branch"), "region": _l("Region"), "checklist": _l("Checklist id"),
    "checklist_title": _l("Checklist"), "version": _l("Checklist version"), "status": _l("Status"),
    "score": _l("Score"), "passed": _l("Pass or fail"), "rating": _l("Rating"),
    "critical_failures": _l("Critical failures"), "staff": _l("Staff observed"), "sections": _l("Section scores"),
}
ANSWER_COLUMNS = {
    "visit": _l("Visit id"), "finished_at": _l("Finished at"), "branch": _l("Branch code"),
    "branch_name": _l("Branch"), "checklist": _l("Checklist id"), "checklist_title": _l("Checklist"),
    "version": _l("Checklist version"), "section_title": _l("Section"), "item": _l("Item id"),
    "item_text": _l("Item"), "answer": _l("Answer"), "note": _l("Note"), "earned": _l("Points earned"),
    "possible": _l("Points possible"), "staff": _l("Staff observed"),
}


@dataclass(frozen=True)
class Filters:
    """What an export is narrowed to besides its period and the caller's scope."""

    branch: str | None = None
    region: str | None = None
    checklist: str | None = None
    status: str | None = None
    submitter: int | None = None  # only reviewers pick out who submitted (as in the inbox)


def header(columns: dict, machine: bool) -> list[str]:
    """Return the header row: the column ids for machines, else the names in the user's language."""
    return list(columns) if machine else [str(label) for label in columns.values()]


def _conditions(user: User, start: date, end: date, filters: Filters) -> list:
    """Return the SQL conditions on Visit and Branch of the visits an export holds: period, scope and filters."""
    low, high = localtime.day_bounds(start, end)
    conditions = [access.visit_filter(user, Visit), Visit.finished_at >= low, Visit.finished_at < high]
    if filters.branch:
        conditions.append(Branch.code == filters.branch)
    if filters.region:
        conditions.append(Branch.region == filters.region)
    if filters.checklist:
        conditions.append(Visit.checklist_id == filters.checklist)
    if filters.status:
        conditions.append(Visit.status == VisitStatus(filters.status))
    if filters.submitter is not None and access.can(user, "visits.by_submitter"):
        conditions.append(Visit.submitter_id == filters.submitter)
    return conditions


def _visits_query(user: User, start: date, end: date, filters: Filters):
    query = (select(Visit, Branch).join(Branch, Visit.branch_id == Branch.id)
             .where(*_conditions(user, start, end, filters))
             .order_by(Visit.finished_at, Visit.id)
             # Two queries per batch of visits for the attributed staff and their names, not two per visit.
             .options(selectinload(Visit.staff_results).selectinload(StaffResult.staff)))
    return query.execution_options(yield_per=BATCH)


def count_rows(user: User, kind: str, start: date, end: date, filters: Filters) -> int:
    """Return how many rows an export of this kind would hold (visits, or their answers), header aside."""
    query = select(func.count()).select_from(Visit).join(Branch, Visit.branch_id == Branch.id)
    if kind == "answers":
        query = query.join(Answer, Answer.visit_id == Visit.id)
    return db.session.scalar(query.where(*_conditions(user, start, end, filters)))


def _checklists() -> Callable[[Visit], Checklist | None]:
    """Return a lookup of the checklist each visit was scored with: the loaded one, else its frozen copy."""
    loaded, known = get_catalog().checklists, {}

    def lookup(visit: Visit) -> Checklist | None:
        version = visit.checklist_version
        if version not in known:
            current = loaded.get(visit.checklist_id)
            known[version] = current if current is not None and current.version == version \
                else frozen_checklist(version)
        return known[version]

    return lookup


def _score(value: float | None, machine: bool) -> float | None:
    # People read one decimal; machines get the score as stored, to sum or compare it themselves.
    return value if value is None or machine else round(value, 1)


def _points(value: float | None, machine: bool) -> float | None:
    return value if value is None or machine else round(value, 2)


def _yes_no(value: bool | None, machine: bool):
    if value is None or machine:
        return value
    return _("Yes") if value else _("No")


def _staff(results: list[StaffResult], machine: bool, section: str | None = None) -> str:
    """Return the staff observed (in one section, if given): codes for machines, code and name for people."""
    chosen = sorted((result.staff for result in results if section is None or section in result.sections),
                    key=lambda staff: staff.code)
    return "; ".join(staff.code if machine else f"{staff.code} {staff.name}" for staff in chosen)


def _sections(visit: Visit, checklist: Checklist | None, machine: bool) -> str:
    titles = {section.id: section.title for section in checklist.sections} if checklist else {}
    parts = []
    for row in visit.result["sections"]:
        score = _score(row["score"], machine)
        if machine:
            parts.append(f"{row['id']}={'' if score is None else score}")
        else:
            parts.append(f"{titles.get(row['id'], row['id'])} {'—' if score is None else score}")
    return "; ".join(parts)


def visit_rows(user: User, start: date, end: date, filters: Filters, machine: bool = False) -> Iterator[list]:
    """Yield the header, then one row per visit with its attributed staff and section scores."""
    yield header(VISIT_COLUMNS, machine)
    checklist_of = _checklists()
    for visit, branch in db.session.execute(_visits_query(user, start, end, filters)):
        checklist = checklist_of(visit)
        status = VisitStatus(visit.status)
        yield [str(visit.uuid), localtime.local(visit.finished_at), branch.code, branch.name, branch.region,
               visit.checklist_id, checklist.title if checklist else visit.checklist_id,
               visit.checklist_version[:12], status.value if machine else status_label(status),
               _score(visit.score, machine), _yes_no(visit.passed, machine), visit.rating, visit.critical_failures,
               _staff(visit.staff_results, machine), _sections(visit, checklist, machine)]


def _answer(item, value, names: dict[str, str], machine: bool):
    """Return an answer as stored (for machines) or as the visit page shows it."""
    if machine:
        return value
    if item is None:
        return value
    if item.type == "photo":
        return None  # its photos are on the visit page, not in a cell
    label = answer_label(item, value)
    if item.type == "staff" and value in names:
        label = f"{label} {names[value]}"
    return label


def answer_rows(user: User, start: date, end: date, filters: Filters, machine: bool = False) -> Iterator[list]:
    """Yield the header, then one row per answer (long form), in checklist order, with the points it earned."""
    yield header(ANSWER_COLUMNS, machine)
    # One query for the answers of each batch of visits, not one per visit.
    query = _visits_query(user, start, end, filters).options(selectinload(Visit.answers))
    checklist_of = _checklists()
    for visit, branch in db.session.execute(query):
        checklist = checklist_of(visit)
        outcomes = visit.result["items"]
        names = {result.staff.code: result.staff.name for result in visit.staff_results}
        answers = {answer.item_id: answer for answer in visit.answers}
        # Items as the checklist orders them; an answer to an item it does not know (none expected) last.
        ordered = [(section, item, answers[item.id]) for section, item in (checklist.items() if checklist else [])
                   if item.id in answers]
        known = {entry[1].id for entry in ordered}
        ordered += [(None, None, answers[item_id]) for item_id in sorted(answers) if item_id not in known]
        finished = localtime.local(visit.finished_at)
        title = checklist.title if checklist else visit.checklist_id
        for section, item, answer in ordered:
            outcome = outcomes.get(answer.item_id, {})
            scored = machine or outcome.get("status") == "scored"
            yield [str(visit.uuid), finished, branch.code, branch.name, visit.checklist_id, title,
                   visit.checklist_version[:12], section.title if section else None, answer.item_id,
                   item.text if item else None, _answer(item, answer.value, names, machine), answer.note,
                   _points(outcome.get("earned"), machine) if scored else None,
                   _points(outcome.get("possible"), machine) if scored else None,
                   _staff(visit.staff_results, machine, section.id) if section else ""]


# What each export is made of, and the sheet its XLSX holds it in.
ROWS = {"visits": visit_rows, "answers": answer_rows}
SHEETS = {"visits": _l("Visits"), "answers": _l("Answers")}
