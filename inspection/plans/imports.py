"""Import assignments from CSV: every row checked as the form checks one, then all created or none."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from ..auth.models import User
from ..org.services import read_csv
from ..problems import BadRequest, Problem
from .services import Draft, announce_new, assign, assignable_checklist, assignee_by_email, branch_by_code, check_draft

COLUMNS = ("branch", "checklist", "assignee", "window_start", "window_end", "scenario", "brief")
MAX_ROWS = 5000


def local_time(text: str, zone: ZoneInfo, name: str) -> datetime:
    """Read a time written YYYY-MM-DD HH:MM (where the branches are) or ISO 8601 with an offset."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise BadRequest("'%(name)s' is a time written YYYY-MM-DD HH:MM, got '%(text)s'", name=name,
                         text=text) from None
    if not 2000 <= value.year <= 2100:
        raise BadRequest("'%(name)s' lies between the years 2000 and 2100", name=name)
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


def import_assignments(actor: User, data: bytes, zone: ZoneInfo) -> tuple[int, list[tuple[int, Problem]]]:
    """Create the file's assignments, or none if any row is refused; return the count and the refusals."""
    rows, problems = read_csv(data, COLUMNS)
    if len(rows) > MAX_ROWS:
        return 0, [(1, BadRequest("a file holds at most %(limit)d assignments", limit=MAX_ROWS))]
    drafts = []
    for line, row in rows:
        try:
            draft = _draft(row, zone)
            check_draft(actor, draft)
        except Problem as problem:
            problems.append((line, problem))
            continue
        drafts.append(draft)
    if problems or not drafts:
        return 0, problems or [(1, BadRequest("the file holds no assignments"))]
    by_person: dict[int, list] = {}
    for draft in drafts:
        by_person.setdefault(draft.assignee.id, []).append(assign(actor, draft, announce=False))
    for made in by_person.values():
        announce_new(made[0].assignee, made)
    return len(drafts), []


def _draft(row: dict, zone: ZoneInfo) -> Draft:
    return Draft(branch=branch_by_code(row["branch"]), checklist=assignable_checklist(row["checklist"]),
                 assignee=assignee_by_email(row["assignee"]),
                 window_start=local_time(row["window_start"], zone, "window_start"),
                 window_end=local_time(row["window_end"], zone, "window_end"),
                 scenario=row["scenario"], brief=row["brief"])
