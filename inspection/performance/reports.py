"""Figures for staff and branch scorecards, read from stored results (never re-scored)."""

from __future__ import annotations

from collections import defaultdict
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
from ..visits.models import StaffResult, Visit


@dataclass
class Tally:
    earned: float = 0.0
    possible: float = 0.0
    count: int = 0

    def add(self, earned: float, possible: float) -> None:
        self.earned += earned
        self.possible += possible
        self.count += 1

    @property
    def score(self) -> float | None:
        return 100 * self.earned / self.possible if self.possible else None


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
    def mean_score(self) -> float | None:
        scores = [visit.score for visit in self.visits if visit.score is not None]
        return sum(scores) / len(scores) if scores else None

    def ranking(self) -> tuple[list[tuple[Staff, Tally]], list[tuple[Staff, Tally]]]:
        """Return (ranked, unranked): only staff with the minimum sample are ranked."""
        rows = list(self.staff.values())
        ranked = sorted((r for r in rows if r[1].count >= self.minimum), key=lambda r: -(r[1].score or 0))
        unranked = sorted((r for r in rows if r[1].count < self.minimum), key=lambda r: r[0].code)
        return ranked, unranked


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


def mean(values: list[float]) -> float | None:
    """Return the mean, or None for no values."""
    return sum(values) / len(values) if values else None


def monthly(points: dict, reducer) -> list[tuple[str, float | None]]:
    """Return (month, value) pairs in month order."""
    return [(month, reducer(value)) for month, value in sorted(points.items())]


def grouped_by_checklist(sections: dict[tuple[str, str], list[float]]) -> dict[str, list[tuple[str, float]]]:
    """Group section averages under their checklist title."""
    grouped: dict[str, list[tuple[str, float]]] = defaultdict(list)
    for (checklist, section), scores in sections.items():
        grouped[checklist].append((section, sum(scores) / len(scores)))
    return dict(grouped)
