"""Figures for staff and branch scorecards, read from stored results (never re-scored)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import current_app
from sqlalchemy import String, literal, select, union_all
from sqlalchemy.orm import selectinload

from .. import localtime
from ..catalog.services import frozen_checklist
from ..checklists import DIMENSIONS
from ..checklists.model import item_dimension
from ..db import UTCDateTime
from ..extensions import db
from ..months import month_after
from ..org.models import Staff
from ..shrinkage import Group, shrink
from ..statistics import Estimate, ratio_interval
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


def months_table(start: date, end: date):
    """Return a table of the local months the days start..end touch: month (2026-11, as month_of), starts, ends.

    Joined to visits by time (starts <= finished_at < ends), each month is a range of an index and the database
    knows how few groups that makes: it adds them up in a hash instead of sorting every visit of the period.
    """
    rows = []
    month = start.replace(day=1)
    while month <= end:
        following = month_after(month)
        rows.append(select(literal(month.strftime("%Y-%m"), String).label("month"),
                           literal(localtime.day_start(month), UTCDateTime()).label("starts"),
                           literal(localtime.day_start(following), UTCDateTime()).label("ends")))
        month = following
    # In parts of a few hundred: SQLite takes at most 500 terms in one compound SELECT (a century is 1,200 months).
    parts = [union_all(*rows[first:first + 400]) for first in range(0, len(rows), 400)]
    if len(parts) > 1:
        parts = [union_all(*(select(*part.subquery().c) for part in parts))]
    return parts[0].subquery("months")


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
