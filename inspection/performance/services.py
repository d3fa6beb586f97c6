"""Dashboards: leaderboards, branch and region comparison; SQL over stored results (SERVQUAL: servqual.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import case, func, select

from .. import access, localtime
from ..auth.models import User
from ..extensions import db
from ..lifecycle import COUNTED_VISITS
from ..org.models import Branch, Staff
from ..visits.models import StaffResult, Visit
from .reports import month_of


@dataclass
class Row:
    """One line of a leaderboard or comparison table."""

    key: str
    name: str
    group: str
    visits: int
    earned: float
    possible: float
    mean_score: float | None = None
    critical_rate: float | None = None

    @property
    def score(self) -> float | None:
        return 100 * self.earned / self.possible if self.possible else None


def _counted(user: User, start: date, end: date, branch: Branch | None, region: str | None) -> list:
    low, high = localtime.day_bounds(start, end)
    conditions = [Visit.status.in_(COUNTED_VISITS), Visit.finished_at >= low, Visit.finished_at < high,
                  access.reports_filter(user)]
    if branch is not None:
        conditions.append(Branch.id == branch.id)
    if region:
        conditions.append(Branch.region == region)
    return conditions


def leaderboard(user: User, start: date, end: date, branch: Branch | None = None,
                region: str | None = None) -> tuple[list[Row], list[Row]]:
    """Rank staff by 100 x earned / possible; those under the minimum sample are listed apart."""
    low, high = localtime.day_bounds(start, end)
    # Aggregate staff_results alone (it carries the period, branch and released flag), then name the rows.
    in_scope = select(Branch.id).where(access.reports_filter(user))
    if branch is not None:
        in_scope = in_scope.where(Branch.id == branch.id)
    if region:
        in_scope = in_scope.where(Branch.region == region)
    totals = (
        select(StaffResult.staff_id, func.count().label("visits"), func.sum(StaffResult.earned).label("earned"),
               func.sum(StaffResult.possible).label("possible"))
        .where(StaffResult.counted, StaffResult.finished_at >= low, StaffResult.finished_at < high,
               StaffResult.branch_id.in_(in_scope))
        .group_by(StaffResult.staff_id).subquery()
    )
    query = (select(Staff.code, Staff.name, Branch.name, totals.c.visits, totals.c.earned, totals.c.possible)
             .join(totals, totals.c.staff_id == Staff.id).join(Branch, Staff.branch_id == Branch.id))
    rows = [Row(code, name, group, count, earned or 0.0, possible or 0.0)
            for code, name, group, count, earned, possible in db.session.execute(query)]
    minimum = current_app.config["MIN_STAFF_SAMPLE"]
    ranked = sorted((r for r in rows if r.visits >= minimum), key=lambda r: (-(r.score or 0), r.key))
    unranked = sorted((r for r in rows if r.visits < minimum), key=lambda r: r.key)
    return ranked, unranked


def comparison(user: User, start: date, end: date, by: str = "branch", region: str | None = None) -> list[Row]:
    """Compare branches (or regions): visits, mean score, points, and the critical failure rate."""
    key = (Branch.code, Branch.name, Branch.region) if by == "branch" else (Branch.region,)
    query = (
        select(*key, func.count(Visit.id), func.avg(Visit.score),
               func.sum(case((Visit.critical_failures > 0, 1), else_=0)))
        .select_from(Visit).join(Branch, Visit.branch_id == Branch.id)
        .where(*_counted(user, start, end, None, region)).group_by(*key).order_by(*key)
    )
    rows = []
    for values in db.session.execute(query):
        *names, count, mean, critical = values
        code, name, group = (names[0], names[1], names[2]) if by == "branch" else (names[0], names[0], "")
        rows.append(Row(code, name, group, count, 0.0, 0.0, mean, critical / count if count else None))
    return rows


def monthly_scores(user: User, start: date, end: date, branch: Branch | None = None,
                   region: str | None = None) -> list[tuple[str, float | None]]:
    """Return the mean visit score per month."""
    query = (select(Visit.finished_at, Visit.score).join(Branch, Visit.branch_id == Branch.id)
             .where(*_counted(user, start, end, branch, region), Visit.score.is_not(None)))
    months: dict[str, list[float]] = {}
    for finished_at, score in db.session.execute(query):
        months.setdefault(month_of(finished_at), []).append(score)
    return [(month, sum(values) / len(values)) for month, values in sorted(months.items())]
