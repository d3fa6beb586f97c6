"""Lists of assignments: filtered and paged, the assignee's own work, and the counts on a manager's home."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import access
from ..auth.models import User
from ..extensions import db
from ..lifecycle import AssignmentStatus
from ..org.models import Branch
from ..problems import BadRequest
from .generate import month_starts
from .models import MISSED, OPEN, SHOWN_STATES, Assignment, state_condition


@dataclass
class Filters:
    state: str = ""
    branch: str = ""
    assignee: int | None = None
    start: date | None = None  # windows starting on or after this day
    end: date | None = None  # windows starting on or before this day

    def check(self) -> None:
        if self.state and self.state not in (*SHOWN_STATES, OPEN):
            raise BadRequest("unknown state '%(state)s': use %(states)s", state=self.state,
                             states=", ".join((*SHOWN_STATES, OPEN)))


def _conditions(user: User, filters: Filters, now: datetime, zone: ZoneInfo) -> list:
    conditions = [access.assignment_filter(user, Assignment)]
    if filters.state:
        conditions.append(state_condition(filters.state, now))
    if filters.branch:
        conditions.append(Assignment.branch_id.in_(select(Branch.id).where(Branch.code == filters.branch)))
    if filters.assignee is not None:
        conditions.append(Assignment.assignee_id == filters.assignee)
    if filters.start:
        conditions.append(Assignment.window_start >= datetime.combine(filters.start, time(), zone))
    if filters.end:
        conditions.append(Assignment.window_start < datetime.combine(filters.end + timedelta(days=1), time(), zone))
    return conditions


def assignments(user: User, filters: Filters, now: datetime, zone: ZoneInfo, page: int,
                size: int) -> tuple[list[Assignment], int]:
    """Return one page of the assignments the user sees, soonest window first, and how many there are."""
    conditions = _conditions(user, filters, now, zone)
    total = db.session.scalar(select(func.count()).select_from(Assignment).where(*conditions))
    rows = db.session.scalars(select(Assignment).where(*conditions)
                              .options(selectinload(Assignment.branch), selectinload(Assignment.assignee))
                              .order_by(Assignment.window_start, Assignment.id)
                              .offset((page - 1) * size).limit(size)).all()
    return list(rows), total


def my_work(user: User, now: datetime, limit: int = 20) -> dict[str, list[Assignment]]:
    """Return the user's open assignments: due (window not over, soonest first) and overdue (missed, still doable)."""
    query = select(Assignment).where(Assignment.assignee_id == user.id).options(selectinload(Assignment.branch))
    due = db.session.scalars(query.where(state_condition(AssignmentStatus.ASSIGNED, now))
                             .order_by(Assignment.window_start, Assignment.id).limit(limit)).all()
    overdue = db.session.scalars(query.where(state_condition(MISSED, now))
                                 .order_by(Assignment.window_end.desc(), Assignment.id).limit(limit)).all()
    return {"due": list(due), "overdue": list(overdue)}


def month_bounds(today: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """Return the start of this month and of the next, where the branches are."""
    first, following = month_starts(today, 1)
    return datetime.combine(first, time(), zone), datetime.combine(following, time(), zone)


def manager_counts(user: User, now: datetime, today: date, zone: ZoneInfo) -> dict[str, int]:
    """Return the assignments of this month that were missed, and those declined, waiting for someone."""
    start, end = month_bounds(today, zone)
    scope = access.assignment_filter(user, Assignment)
    missed = db.session.scalar(select(func.count()).select_from(Assignment).where(
        scope, state_condition(MISSED, now), Assignment.window_start >= start, Assignment.window_start < end))
    declined = db.session.scalar(select(func.count()).select_from(Assignment).where(
        scope, Assignment.status == AssignmentStatus.DECLINED))
    return {"missed": missed, "declined": declined}
