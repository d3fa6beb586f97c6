"""Dashboards: leaderboards, branch and region comparison; SQL over stored results (SERVQUAL: servqual.py).

Every mean comes with its 90% interval, from sums and sums of squares the database adds up; the staff
leaderboard ranks by scores shrunk toward each branch's (inspection.shrinkage), never by raw small samples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from flask import current_app
from sqlalchemy import case, func, select

from .. import access, localtime
from ..auth.models import User
from ..extensions import db
from ..lifecycle import COUNTED_VISITS
from ..org.models import Branch, Staff
from ..statistics import Estimate, interval, mean_interval
from ..visits.models import StaffResult, Visit
from .reports import Tally, month_of, places, rank_order, shrunk_scores


@dataclass
class Row:
    """One line of a leaderboard (points, and the shrunk score that ranks it) or of a comparison (mean scores)."""

    key: str
    name: str
    group: str
    visits: int
    tally: Tally = field(default_factory=Tally)
    mean: Estimate | None = None  # of visit scores, in a comparison
    critical_rate: float | None = None
    shrunk: float | None = None  # ranked leaderboard rows only
    place: int | None = None  # 1, 2, 2, 4: equal shrunk scores share a place

    @property
    def score(self) -> float | None:
        return self.tally.score

    @cached_property
    def estimate(self) -> Estimate:
        """Return the row's score (a leaderboard's) or mean score (a comparison's) with its interval."""
        return self.mean if self.mean is not None else self.tally.estimate

    @property
    def mean_score(self) -> float | None:
        return self.mean.mean if self.mean is not None else None


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
    """Rank staff by 100 x earned / possible shrunk toward their branch's; those under the minimum sample apart."""
    low, high = localtime.day_bounds(start, end)
    # Aggregate staff_results alone (it carries the period, branch and released flag), then name the rows.
    in_scope = select(Branch.id).where(access.reports_filter(user))
    if branch is not None:
        in_scope = in_scope.where(Branch.id == branch.id)
    if region:
        in_scope = in_scope.where(Branch.region == region)
    earned, possible = StaffResult.earned, StaffResult.possible
    totals = (
        select(StaffResult.staff_id, func.count().label("visits"), func.sum(earned).label("earned"),
               func.sum(possible).label("possible"), func.sum(earned * earned).label("earned_squares"),
               func.sum(earned * possible).label("products"), func.sum(possible * possible).label("possible_squares"))
        .where(StaffResult.counted, StaffResult.finished_at >= low, StaffResult.finished_at < high,
               StaffResult.branch_id.in_(in_scope))
        .group_by(StaffResult.staff_id).subquery()
    )
    query = (select(Staff.code, Staff.name, Branch.name, Staff.branch_id, totals.c.visits, totals.c.earned,
                    totals.c.possible, totals.c.earned_squares, totals.c.products, totals.c.possible_squares)
             .join(totals, totals.c.staff_id == Staff.id).join(Branch, Staff.branch_id == Branch.id))
    rows, parents = [], {}
    for code, name, group, parent, count, *sums in db.session.execute(query):
        rows.append(Row(code, name, group, count, Tally(sums[0] or 0.0, sums[1] or 0.0, count,
                                                       *(value or 0.0 for value in sums[2:]))))
        parents[code] = parent
    # Every row informs the shrinkage (how much staff differ, how noisy a visit is); the minimum sample ranks.
    shrunk = shrunk_scores([(row.key, parents[row.key], row.tally) for row in rows])
    minimum = current_app.config["MIN_STAFF_SAMPLE"]
    ranked = [row for row in rows if row.visits >= minimum]
    for row in ranked:
        row.shrunk = shrunk.get(row.key)
    ranked.sort(key=lambda row: rank_order(row.shrunk, row.score, row.key))
    places(ranked)
    unranked = sorted((r for r in rows if r.visits < minimum), key=lambda r: r.key)
    return ranked, unranked


def comparison(user: User, start: date, end: date, by: str = "branch", region: str | None = None) -> list[Row]:
    """Compare branches (or regions): visits, mean score with its interval, and the critical failure rate."""
    key = (Branch.code, Branch.name, Branch.region) if by == "branch" else (Branch.region,)
    query = (
        select(*key, func.count(Visit.id), func.count(Visit.score), func.sum(Visit.score),
               func.sum(Visit.score * Visit.score), func.sum(case((Visit.critical_failures > 0, 1), else_=0)))
        .select_from(Visit).join(Branch, Visit.branch_id == Branch.id)
        .where(*_counted(user, start, end, None, region)).group_by(*key).order_by(*key)
    )
    rows = []
    for values in db.session.execute(query):
        *names, count, scored, total, squares, critical = values
        code, name, group = (names[0], names[1], names[2]) if by == "branch" else (names[0], names[0], "")
        rows.append(Row(code, name, group, count, mean=interval(scored, total or 0.0, squares or 0.0),
                        critical_rate=critical / count if count else None))
    return rows


def monthly_scores(user: User, start: date, end: date, branch: Branch | None = None,
                   region: str | None = None) -> list[tuple[str, Estimate]]:
    """Return the mean visit score per month, with its interval."""
    query = (select(Visit.finished_at, Visit.score).join(Branch, Visit.branch_id == Branch.id)
             .where(*_counted(user, start, end, branch, region), Visit.score.is_not(None)))
    months: dict[str, list[float]] = {}
    for finished_at, score in db.session.execute(query):
        months.setdefault(month_of(finished_at), []).append(score)
    return [(month, mean_interval(values)) for month, values in sorted(months.items())]
