"""Figures for staff and branch scorecards, read from stored results (never re-scored)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import localtime
from ..catalog.services import frozen_checklist
from ..checklists import DIMENSIONS
from ..checklists.model import item_dimension
from ..extensions import db
from ..lifecycle import COUNTED_VISITS
from ..org.models import Branch, Staff
from ..shrinkage import Group, shrink
from ..statistics import Estimate, mean_interval, ratio_interval
from ..visits.models import StaffResult, Visit


@dataclass
class Tally:
    """Points earned and possible over visits, with the sums of squares and products their interval needs."""

    earned: float = 0.0
    possible: float = 0.0
    count: int = 0
    earned_squares: float = 0.0
    products: float = 0.0
    possible_squares: float = 0.0

    def add(self, earned: float, possible: float) -> None:
        self.merge(Tally(earned, possible, 1, earned * earned, earned * possible, possible * possible))

    def merge(self, other: Tally) -> None:
        self.earned += other.earned
        self.possible += other.possible
        self.count += other.count
        self.earned_squares += other.earned_squares
        self.products += other.products
        self.possible_squares += other.possible_squares

    @property
    def score(self) -> float | None:
        return 100 * self.earned / self.possible if self.possible else None

    @property
    def estimate(self) -> Estimate:
        """Return the score with its 90% interval (none below two visits)."""
        return ratio_interval(self.count, self.earned, self.possible, self.earned_squares, self.products,
                              self.possible_squares)


def shrunk_scores(rows: list[tuple[Hashable, Hashable, Tally]]) -> dict[Hashable, float]:
    """Return each (key, parent, tally) row's score shrunk toward its parent's pooled score (inspection.shrinkage)."""
    parents: dict[Hashable, Tally] = {}
    for _, parent, tally in rows:
        parents.setdefault(parent, Tally()).merge(tally)
    priors = {parent: tally.score for parent, tally in parents.items() if tally.score is not None}
    groups = [Group(key, parent, estimate.count, estimate.mean, estimate.variance)
              for key, parent, tally in rows if (estimate := tally.estimate).mean is not None]
    return shrink(groups, priors).shrunk


def rank_order(shrunk: float | None, score: float | None, key: str) -> tuple:
    """Sort by the shrunk score, highest first, then the plain score; a score of nothing (no points possible) last."""
    return shrunk is None, -(shrunk or 0.0), -(score or 0.0), key


def places(ranked: list) -> None:
    """Number rows sorted by `rank_order`; equal shrunk scores share a place (1, 2, 2, 4)."""
    # The data cannot tell them apart: when staff differ no more than chance explains, all share their branch's mean.
    for index, row in enumerate(ranked):
        before = ranked[index - 1] if index else None
        tied = (before is not None and row.shrunk is not None and before.shrunk is not None
                and math.isclose(row.shrunk, before.shrunk, rel_tol=1e-9, abs_tol=1e-9))
        row.place = before.place if tied else index + 1


@dataclass
class ItemFigure:
    checklist: str
    text: str
    tally: Tally = field(default_factory=Tally)


@dataclass
class StaffReport:
    staff: Staff
    start: date
    end: date
    minimum: int
    total: Tally = field(default_factory=Tally)
    months: dict[str, Tally] = field(default_factory=dict)
    dimensions: dict[str, Tally] = field(default_factory=dict)
    items: dict[tuple[str, str], ItemFigure] = field(default_factory=dict)
    visits: list[tuple[Visit, StaffResult]] = field(default_factory=list)

    @property
    def ranked(self) -> bool:
        return self.total.count >= self.minimum

    def weakest(self, count: int = 8) -> list[ItemFigure]:
        return weakest(self.items, count)


def weakest(items: dict[tuple[str, str], ItemFigure], count: int = 8) -> list[ItemFigure]:
    """Return the items with the lowest earned / possible that lost points, weakest first."""
    figures = [f for f in items.values() if f.tally.possible and f.tally.earned < f.tally.possible]
    return sorted(figures, key=lambda f: (f.tally.score, -f.tally.count))[:count]


def month_of(moment: datetime) -> str:
    """Return the month a moment falls in, in the app's time zone, as 2026-11."""
    return localtime.local(moment).strftime("%Y-%m")


def staff_report(staff: Staff, start: date, end: date) -> StaffReport:
    """Gather a staff member's attributed results over a period."""
    low, high = localtime.day_bounds(start, end)
    rows = db.session.execute(
        select(StaffResult, Visit).join(Visit, StaffResult.visit_id == Visit.id)
        .where(StaffResult.staff_id == staff.id, StaffResult.finished_at >= low, StaffResult.finished_at < high,
               StaffResult.counted)
        .options(selectinload(Visit.snapshot), selectinload(Visit.branch)).order_by(StaffResult.finished_at)
    ).all()
    report = StaffReport(staff, start, end, current_app.config["MIN_STAFF_SAMPLE"])
    for result, visit in rows:
        report.visits.append((visit, result))
        report.total.add(result.earned, result.possible)
        report.months.setdefault(month_of(visit.finished_at), Tally()).add(result.earned, result.possible)
        _attribute_items(report, visit, set(result.sections))
    return report


def _attribute_items(report: StaffReport, visit: Visit, section_ids: set[str]) -> None:
    """Add the items of the sections attributed to this staff member, by dimension and by item."""
    checklist = frozen_checklist(visit.checklist_version)
    outcomes = visit.result["items"]
    for section in checklist.sections:
        if section.id not in section_ids:
            continue
        for item in section.items:
            outcome = outcomes[item.id]
            if outcome["status"] != "scored":
                continue
            dimension = item_dimension(section, item)
            if dimension:
                report.dimensions.setdefault(dimension, Tally()).add(outcome["earned"], outcome["possible"])
            figure = report.items.setdefault((checklist.id, item.id), ItemFigure(checklist.title, item.text))
            figure.tally.add(outcome["earned"], outcome["possible"])


@dataclass
class BranchReport:
    branch: Branch
    start: date
    end: date
    minimum: int
    visits: list[Visit] = field(default_factory=list)
    months: dict[str, list[float]] = field(default_factory=dict)
    sections: dict[tuple[str, str], list[float]] = field(default_factory=dict)
    staff: dict[int, tuple[Staff, Tally]] = field(default_factory=dict)
    critical: dict[tuple[str, str], int] = field(default_factory=dict)
    items: dict[tuple[str, str], ItemFigure] = field(default_factory=dict)

    @property
    def estimate(self) -> Estimate:
        """Return the mean visit score with its 90% interval."""
        return mean_interval([visit.score for visit in self.visits if visit.score is not None])

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


def branch_report(branch: Branch, start: date, end: date) -> BranchReport:
    """Gather a branch's visits, section averages, staff and critical failures over a period."""
    low, high = localtime.day_bounds(start, end)
    visits = db.session.scalars(
        select(Visit).where(Visit.branch_id == branch.id, Visit.finished_at >= low, Visit.finished_at < high,
                            Visit.status.in_(COUNTED_VISITS))
        .options(selectinload(Visit.staff_results).selectinload(StaffResult.staff), selectinload(Visit.snapshot))
        .order_by(Visit.finished_at)
    ).all()
    report = BranchReport(branch, start, end, current_app.config["MIN_STAFF_SAMPLE"], visits=list(visits))
    for visit in visits:
        checklist = frozen_checklist(visit.checklist_version)
        if visit.score is not None:
            report.months.setdefault(month_of(visit.finished_at), []).append(visit.score)
        titles = {section.id: section.title for section in checklist.sections}
        for row in visit.result["sections"]:
            if row["score"] is not None:
                report.sections.setdefault((checklist.title, titles[row["id"]]), []).append(row["score"])
        for item_id, outcome in visit.result["items"].items():
            if outcome["status"] == "scored":
                figure = report.items.setdefault((checklist.id, item_id),
                                                 ItemFigure(checklist.title, checklist.item(item_id).text))
                figure.tally.add(outcome["earned"], outcome["possible"])
        for item_id in visit.result["critical_failures"]:
            key = (checklist.title, checklist.item(item_id).text)
            report.critical[key] = report.critical.get(key, 0) + 1
        for result in visit.staff_results:
            _, tally = report.staff.setdefault(result.staff_id, (result.staff, Tally()))
            tally.add(result.earned, result.possible)
    return report


def dimension_rows(tallies: dict[str, Tally], labels: dict[str, str]) -> list[tuple[str, float | None]]:
    """Return (label, score) for each SERVQUAL dimension present, in the usual order."""
    return [(labels[name], tallies[name].score) for name in DIMENSIONS if name in tallies]


def monthly(points: dict, reducer) -> list[tuple[str, Estimate]]:
    """Return (month, estimate) pairs in month order, the reducer making each month's estimate."""
    return [(month, reducer(value)) for month, value in sorted(points.items())]


def grouped_by_checklist(sections: dict[tuple[str, str], list[float]]) -> dict[str, list[tuple[str, float]]]:
    """Group section averages under their checklist title."""
    grouped: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for (checklist, section), scores in sections.items():
        grouped[checklist].append((section, sum(scores) / len(scores)))
    return dict(grouped)
