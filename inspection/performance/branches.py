"""A branch's figures over a period, for its scorecard and the API: summed in SQL, never a visit loaded whole.

The database adds up the visits' scores (overall and by month) and the staff results; of each stored result
only the parts the figures need are read (sections and critical failures, and the items when asked for).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from sqlalchemy import and_, func, select

from .. import localtime
from ..catalog.services import frozen_checklist
from ..extensions import db
from ..lifecycle import COUNTED_VISITS
from ..org.models import Branch, Staff
from ..statistics import Estimate, interval
from ..visits.models import StaffResult, Visit
from .reports import ItemFigure, Tally, months_table, places, rank_order, shrunk_scores


@dataclass
class BranchReport:
    branch: Branch
    start: date
    end: date
    minimum: int
    count: int = 0  # released visits in the period
    estimate: Estimate = field(default_factory=lambda: Estimate(0, None))  # mean visit score, 90% interval
    months: dict[str, Estimate] = field(default_factory=dict)  # months with a scored visit only
    sections: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    earned: float = 0.0  # the sections' points over every visit
    possible: float = 0.0
    staff: dict[int, tuple[Staff, Tally]] = field(default_factory=dict)
    critical: dict[tuple[str, str], int] = field(default_factory=dict)
    items: dict[tuple[str, str], ItemFigure] = field(default_factory=dict)  # filled when asked for

    @property
    def mean_score(self) -> float | None:
        return self.estimate.mean

    def ranking(self) -> tuple[list[Standing], list[Standing]]:
        """Return (ranked, unranked): only staff with the minimum sample are ranked, by their shrunk score."""
        shrunk = shrunk_scores([(staff.id, self.branch.id, tally) for staff, tally in self.staff.values()])
        ranked = sorted((Standing(staff, tally, shrunk.get(staff.id)) for staff, tally in self.staff.values()
                         if tally.count >= self.minimum),
                        key=lambda row: rank_order(row.shrunk, row.tally.score, row.staff.code))
        places(ranked)
        unranked = sorted((Standing(staff, tally) for staff, tally in self.staff.values()
                           if tally.count < self.minimum), key=lambda row: row.staff.code)
        return ranked, unranked


@dataclass
class Standing:
    """A staff member's place in a ranking: their points, and the shrunk score that ranks them (None: unranked)."""

    staff: Staff
    tally: Tally
    shrunk: float | None = None
    place: int | None = None  # 1, 2, 2, 4: equal shrunk scores share a place


def branch_report(branch: Branch, start: date, end: date, items: bool = False) -> BranchReport:
    """Gather a branch's visit count, scores by month, section averages, staff and critical failures over a period.

    `items` adds every scored item's points (the API's weakest items): that reads the largest part of each result.
    """
    low, high = localtime.day_bounds(start, end)
    counted = [Visit.branch_id == branch.id, Visit.finished_at >= low, Visit.finished_at < high,
               Visit.status.in_(COUNTED_VISITS)]
    report = BranchReport(branch, start, end, current_app.config["MIN_STAFF_SAMPLE"])
    _scores(report, counted, start, end)
    _results(report, counted, items)
    _staff(report, low, high)
    return report


def _scores(report: BranchReport, counted: list, start: date, end: date) -> None:
    """Count the visits, and take the mean score overall and by month from sums."""
    months = months_table(start, end)
    score = Visit.score
    rows = db.session.execute(
        select(months.c.month, func.count(), func.count(score), func.sum(score), func.sum(score * score))
        .select_from(Visit).join(months, and_(Visit.finished_at >= months.c.starts, Visit.finished_at < months.c.ends))
        .where(*counted).group_by(months.c.month).order_by(months.c.month)).all()
    report.count = sum(row[1] for row in rows)
    scored = [(name, scores, total, squares) for name, _, scores, total, squares in rows if scores]
    report.estimate = interval(sum(row[1] for row in scored), sum(row[2] for row in scored),
                               sum(row[3] for row in scored))
    report.months = {name: interval(scores, total, squares) for name, scores, total, squares in scored}


def _results(report: BranchReport, counted: list, items: bool) -> None:
    """Read each result's sections and critical failures (and items), in visit order, as the page lists them."""
    parts = [Visit.result["sections"], Visit.result["critical_failures"]] + ([Visit.result["items"]] if items else [])
    query = select(Visit.checklist_version, *parts).where(*counted).order_by(Visit.finished_at, Visit.id)
    for version, sections, critical, *outcomes in db.session.execute(query):
        checklist = frozen_checklist(version)
        titles = {section.id: section.title for section in checklist.sections}
        for row in sections:
            report.earned += row["earned"]
            report.possible += row["possible"]
            if row["score"] is not None:
                report.sections.setdefault((checklist.title, titles[row["id"]]), []).append(row["score"])
        for item_id in critical:
            key = (checklist.title, checklist.item(item_id).text)
            report.critical[key] = report.critical.get(key, 0) + 1
        for item_id, outcome in (outcomes[0].items() if outcomes else ()):
            if outcome["status"] == "scored":
                figure = report.items.setdefault((checklist.id, item_id),
                                                 ItemFigure(checklist.title, checklist.item(item_id).text))
                figure.tally.add(outcome["earned"], outcome["possible"])


def _staff(report: BranchReport, low, high) -> None:
    """Sum the staff results of the period's released visits per staff member, from ix_staff_results_branch."""
    earned, possible = StaffResult.earned, StaffResult.possible
    # A staff result carries its visit's branch, time and released flag (as the leaderboard reads them).
    totals = (select(StaffResult.staff_id, func.count().label("visits"), func.sum(earned).label("earned"),
                     func.sum(possible).label("possible"), func.sum(earned * earned).label("earned_squares"),
                     func.sum(earned * possible).label("products"),
                     func.sum(possible * possible).label("possible_squares"))
              .where(StaffResult.branch_id == report.branch.id, StaffResult.counted, StaffResult.finished_at >= low,
                     StaffResult.finished_at < high).group_by(StaffResult.staff_id).subquery())
    rows = db.session.execute(select(Staff, totals.c.visits, totals.c.earned, totals.c.possible,
                                     totals.c.earned_squares, totals.c.products, totals.c.possible_squares)
                              .join(totals, totals.c.staff_id == Staff.id).order_by(Staff.code))
    for member, count, *sums in rows:
        report.staff[member.id] = (member, Tally(sums[0], sums[1], count, *sums[2:]))
