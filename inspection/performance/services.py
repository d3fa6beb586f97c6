"""Dashboards: leaderboards, branch and region comparison; SQL over stored results (SERVQUAL: servqual.py).

Every mean comes with its 90% interval, from sums and sums of squares the database adds up; the staff
leaderboard ranks by scores shrunk toward each branch's (inspection.shrinkage), never by raw small samples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cached_property

from flask import current_app
from sqlalchemy import Integer, and_, case, cast, func, select, union_all

from .. import access, localtime
from ..auth.models import User
from ..extensions import db
from ..lifecycle import COUNTED_VISITS
from ..org.models import Branch, Staff
from ..statistics import Estimate, interval
from ..visits import rollup
from ..visits.models import StaffMonth, StaffResult, Visit
from .reports import Tally, months_table, places, rank_order, shrunk_scores


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
    totals = _staff_totals(low, high, in_scope)
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


def _staff_totals(low: datetime, high: datetime, in_scope):
    """Return counted staff results summed by staff member over [low, high) in the branches in_scope selects.

    Whole UTC months are read from their sums (staff_months), the days at either end from staff_results.
    """
    def results(start: datetime, end: datetime):
        return (select(StaffResult.staff_id, *labelled(rollup.sums(StaffResult.earned, StaffResult.possible)))
                .where(StaffResult.counted, StaffResult.finished_at >= start, StaffResult.finished_at < end,
                       StaffResult.branch_id.in_(in_scope))
                .group_by(StaffResult.staff_id))

    months = rollup.whole_months(low, high)
    if months is None:
        parts = [results(low, high)]
    else:
        first, last = months
        summed = [func.sum(getattr(StaffMonth, name)) for name in rollup.FIGURES]
        parts = [results(low, rollup.utc_midnight(first)), results(rollup.utc_midnight(last), high),
                 select(StaffMonth.staff_id, *labelled(summed))
                 .where(StaffMonth.month >= first, StaffMonth.month < last, StaffMonth.branch_id.in_(in_scope))
                 .group_by(StaffMonth.staff_id)]
    both = union_all(*parts).subquery()
    return (select(both.c.staff_id, cast(func.sum(both.c.visits), Integer).label("visits"),
                   *(func.sum(both.c[name]).label(name) for name in rollup.FIGURES[1:]))
            .group_by(both.c.staff_id).subquery())


def labelled(columns: list) -> list:
    """Name summed columns after the figures of a month (rollup.FIGURES), in order."""
    return [column.label(name) for column, name in zip(columns, rollup.FIGURES, strict=True)]


def overview(user: User, start: date, end: date, branch: Branch | None = None,
             region: str | None = None) -> tuple[list[Row], list[Row], list[tuple[str, Estimate]]]:
    """Return the branch and region comparisons (of the region, if given) and the monthly trend (of the branch, if
    given) from one pass over the period's visits, summed by branch and month in the database."""
    sums = _by_branch_and_month(user, start, end, region)
    branches = _compare(sums, lambda code, name, group: (code, name, group))
    regions = _compare(sums, lambda code, name, group: (group, group, ""))
    months: dict[str, list] = {}
    for (code, _, _, month), (_, scored, total, squares, _) in sums.items():
        if scored and (branch is None or code == branch.code):
            _add(months.setdefault(month, [0, 0, 0.0, 0.0, 0]), (0, scored, total, squares, 0))
    trend = [(month, interval(figures[1], figures[2], figures[3])) for month, figures in sorted(months.items())]
    return branches, regions, trend


def comparison(user: User, start: date, end: date, by: str = "branch", region: str | None = None) -> list[Row]:
    """Compare branches (or regions): visits, mean score with its interval, and the critical failure rate."""
    branches, regions, _ = overview(user, start, end, region=region)
    return branches if by == "branch" else regions


def monthly_scores(user: User, start: date, end: date, branch: Branch | None = None,
                   region: str | None = None) -> list[tuple[str, Estimate]]:
    """Return the mean visit score per month, with its interval."""
    return overview(user, start, end, branch, region)[2]


def _by_branch_and_month(user: User, start: date, end: date, region: str | None) -> dict[tuple, tuple]:
    """Return (code, name, region, month) -> (visits, scored, sum, sum of squares, critical) of counted visits."""
    low, high = localtime.day_bounds(start, end)
    branches = select(Branch.id).where(access.reports_filter(user), *([Branch.region == region] if region else []))
    # Summed by branch id and month from an index alone, then named.
    months, score = months_table(start, end), Visit.score
    in_month = and_(Visit.finished_at >= months.c.starts, Visit.finished_at < months.c.ends)
    sums = (select(Visit.branch_id, months.c.month, func.count().label("visits"), func.count(score).label("scored"),
                   func.sum(score).label("total"), func.sum(score * score).label("squares"),
                   func.sum(case((Visit.critical_failures > 0, 1), else_=0)).label("critical"))
            .select_from(Visit).join(months, in_month)
            .where(Visit.status.in_(COUNTED_VISITS), Visit.finished_at >= low, Visit.finished_at < high,
                   Visit.branch_id.in_(branches))
            .group_by(Visit.branch_id, months.c.month).subquery())
    query = select(Branch.code, Branch.name, Branch.region, sums.c.month, sums.c.visits, sums.c.scored,
                   sums.c.total, sums.c.squares, sums.c.critical).join(sums, sums.c.branch_id == Branch.id)
    return {tuple(row[:4]): (row[4], row[5], row[6] or 0.0, row[7] or 0.0, row[8] or 0)
            for row in db.session.execute(query)}


def _add(into: list, figures: tuple) -> None:
    for index, value in enumerate(figures):
        into[index] += value


def _compare(sums: dict[tuple, tuple], key) -> list[Row]:
    """Add the (branch, month) sums up by key(code, name, region) -> (key, name, group); rows in key order."""
    found: dict[tuple, list] = {}
    for (code, name, group, _), figures in sums.items():
        _add(found.setdefault(key(code, name, group), [0, 0, 0.0, 0.0, 0]), figures)
    return [Row(code, name, group, count, mean=interval(scored, total, squares), critical_rate=critical / count)
            for (code, name, group), (count, scored, total, squares, critical) in sorted(found.items())]
