"""Coverage: per branch, how much of the planned work was done on time, done late, missed or is still open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select

from .. import access
from ..auth.models import User
from ..extensions import db
from ..lifecycle import PLANNED_ASSIGNMENTS, AssignmentStatus
from ..org.models import Branch
from ..plans.models import Assignment

COLUMNS = ("planned", "done", "late", "missed", "open")


@dataclass
class Row:
    region: str
    code: str
    name: str
    planned: int = 0
    done: int = 0  # on time
    late: int = 0
    missed: int = 0
    open: int = 0  # assigned with its window not over, or declined and waiting for someone

    @property
    def done_share(self) -> float | None:
        """Return the share of planned visits done on time, in per cent."""
        return 100 * self.done / self.planned if self.planned else None

    def counts(self) -> list[int]:
        return [getattr(self, column) for column in COLUMNS]


def _counted(now: datetime) -> list:
    done = Assignment.status == AssignmentStatus.DONE
    assigned = Assignment.status == AssignmentStatus.ASSIGNED
    parts = {
        "done": and_(done, Assignment.late.is_not(True)),
        "late": and_(done, Assignment.late.is_(True)),
        "missed": and_(assigned, Assignment.window_end <= now),
        "open": or_(and_(assigned, Assignment.window_end > now), Assignment.status == AssignmentStatus.DECLINED),
    }
    return [func.count()] + [func.sum(case((condition, 1), else_=0)) for condition in parts.values()]


def _window(start: date, end: date, zone: ZoneInfo) -> list:
    return [Assignment.window_start >= datetime.combine(start, time(), zone),
            Assignment.window_start < datetime.combine(end + timedelta(days=1), time(), zone),
            Assignment.status.in_(PLANNED_ASSIGNMENTS)]


def coverage(user: User, start: date, end: date, region: str | None, now: datetime, zone: ZoneInfo) -> list[Row]:
    """Return one row per branch in the user's scope with work planned in the period, by region and code."""
    query = (select(Branch.region, Branch.code, Branch.name, *_counted(now))
             .join(Assignment, Assignment.branch_id == Branch.id)
             .where(access.branch_filter(user), *_window(start, end, zone))
             .group_by(Branch.id, Branch.region, Branch.code, Branch.name).order_by(Branch.region, Branch.code))
    if region:
        query = query.where(Branch.region == region)
    return [Row(region_name, code, name, *(int(value or 0) for value in counts))
            for region_name, code, name, *counts in db.session.execute(query)]


def by_region(rows: list[Row]) -> list[Row]:
    """Return the rows added up per region."""
    regions: dict[str, Row] = {}
    for row in rows:
        total = regions.setdefault(row.region, Row(row.region, "", row.region))
        for column in COLUMNS:
            setattr(total, column, getattr(total, column) + getattr(row, column))
    return list(regions.values())


def branch_coverage(branch: Branch, start: date, end: date, now: datetime, zone: ZoneInfo) -> Row:
    """Return a branch's own coverage as its scorecard shows it: only work whose window is over, or done.

    Upcoming work, mystery shops above all, never shows on the branch side.
    """
    counts = db.session.execute(select(*_counted(now)).where(
        Assignment.branch_id == branch.id, Assignment.window_end <= now, *_window(start, end, zone))).one()
    return Row(branch.region, branch.code, branch.name, *(int(value or 0) for value in counts))
