"""SERVQUAL by source: mystery shoppers' released survey visits and customers' own responses, never mixed.

Per source: expectation, perception, gap and weighted gap per dimension (the weight is the dimension's in the
checklist version answered), the engine's weighted gap per survey with a 90% t-interval of its mean, and the
count behind each figure. Aggregated in SQL (sums and sums of squares); a page asks a fixed number of queries.

Customer responses are read through their table, by name: the surveys feature imports the actions feature,
whose pages import this package, so importing the surveys' model here would close a circle of packages.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import Table, func, select

from .. import access, localtime
from ..auth.models import User
from ..catalog.services import frozen_checklist
from ..checklists import DIMENSIONS
from ..checklists.scoring import dimension_weights
from ..extensions import db
from ..lifecycle import COUNTED_VISITS
from ..org.models import Branch, Staff
from ..statistics import Estimate, interval, mean_interval
from ..visits.models import Visit, VisitDimension
from .reports import month_of

SHOPPERS, CUSTOMERS = "shoppers", "customers"
SOURCES = (SHOPPERS, CUSTOMERS)


@dataclass
class DimensionFigure:
    name: str
    expectation: float
    perception: float
    gap: Estimate  # perception − expectation, mean over surveys, with its interval
    weighted_gap: float  # its share of the weighted gap: its normalised weight in its checklist × its gap


@dataclass
class SourceFigures:
    source: str
    weighted_gap: Estimate  # the engine's weighted gap per survey; its count is the surveys with a gap
    dimensions: list[DimensionFigure] = field(default_factory=list)
    trend: list[tuple[str, float | None]] = field(default_factory=list)

    @property
    def worst(self) -> str | None:
        """Return the dimension with the largest shortfall, the one to fix first."""
        return min(self.dimensions, key=lambda row: row.gap.mean).name if self.dimensions else None


@dataclass
class GroupFigure:
    """One branch, region or staff member: the weighted gap of each source with its interval."""

    key: str
    name: str
    group: str
    sources: dict[str, Estimate] = field(default_factory=dict)

    def get(self, source: str) -> Estimate:
        return self.sources.get(source) or Estimate(0, None)


def responses() -> Table:
    """Return the customer responses' table (see the module's note on why not its model)."""
    return db.metadata.tables["survey_responses"]


def reader_scope(user: User, branch: Branch | None = None, region: str | None = None) -> list:
    """Return SQL conditions on Branch: the branches the user reads, narrowed to a branch or region."""
    conditions = [access.reports_filter(user)]
    if branch is not None:
        conditions.append(Branch.id == branch.id)
    if region:
        conditions.append(Branch.region == region)
    return conditions


def _shopper_rows(start: date, end: date, where: list):
    low, high = localtime.day_bounds(start, end)
    return (select(Visit).join(Branch, Visit.branch_id == Branch.id)
            .where(Visit.status.in_(COUNTED_VISITS), Visit.kind == "survey", Visit.finished_at >= low,
                   Visit.finished_at < high, *where))


def _customer_rows(start: date, end: date, where: list, staff: Staff | None = None):
    table = responses()
    low, high = localtime.day_bounds(start, end)
    query = (select(table).join(Branch, table.c.branch_id == Branch.id)
             .where(table.c.submitted_at >= low, table.c.submitted_at < high, *where))
    return query.where(table.c.staff_id == staff.id) if staff is not None else query


def _stats(gap) -> tuple:
    return func.count(gap), func.sum(gap), func.sum(gap * gap)


def _shopper_dimensions(start: date, end: date, where: list):
    gap = VisitDimension.perception - VisitDimension.expectation
    visits = _shopper_rows(start, end, where).with_only_columns(Visit.id, Visit.checklist_version).subquery()
    return (select(VisitDimension.dimension, visits.c.checklist_version, func.avg(VisitDimension.expectation),
                   func.avg(VisitDimension.perception), *_stats(gap))
            .join(visits, visits.c.id == VisitDimension.visit_id).where(VisitDimension.expectation.is_not(None))
            .group_by(VisitDimension.dimension, visits.c.checklist_version))


def _customer_dimensions(start: date, end: date, where: list, staff: Staff | None) -> list[tuple]:
    """Return (dimension, version, mean expectation, mean perception, gaps, sum, sum of squares) of the responses.

    Each response's dimensions are read once from its stored result and added up here: asking the database for
    every dimension's figures apart would have it read each result fifteen times.
    """
    table = responses()
    query = _customer_rows(start, end, where, staff).with_only_columns(table.c.checklist_version,
                                                                        table.c.result["dimensions"])
    sums: dict[tuple[str, str], list] = {}
    for version, dimensions in db.session.execute(query):
        for name in DIMENSIONS:
            figures = (dimensions or {}).get(name) or {}
            gap = figures.get("gap")
            if gap is None:
                continue
            found = sums.setdefault((name, version), [0.0, 0, 0.0, 0, 0, 0.0, 0.0])
            for index, value in ((0, figures.get("expectation")), (2, figures.get("perception"))):
                if value is not None:
                    found[index] += value
                    found[index + 1] += 1
            found[4:] = found[4] + 1, found[5] + gap, found[6] + gap * gap
    return [(name, version, e / ne if ne else None, p / np if np else None, count, total, squares)
            for (name, version), (e, ne, p, np, count, total, squares) in sums.items()]


def _dimensions(rows: Iterable) -> list[DimensionFigure]:
    """Combine (dimension, version, means, gap sums) rows over checklist versions, in the usual order.

    A dimension's weighted gap is its share of the engine's weighted gap: its weight in the version answered,
    over the weights of the dimensions answered in that version, times its gap; the shares add up to the whole.
    """
    rows = [row for row in rows if row[4]]
    answered: dict[str, float] = {}
    for name, version, *_ in rows:
        answered[version] = answered.get(version, 0.0) + _weight(version, name)
    merged: dict[str, list[float]] = {}
    for name, version, expectation, perception, count, total, squares in rows:
        share = _weight(version, name) / answered[version] if answered[version] else 0.0
        sums = merged.setdefault(name, [0, 0.0, 0.0, 0.0, 0.0, 0.0])
        for index, value in enumerate((count, count * expectation, count * perception, total, squares,
                                       share * total)):
            sums[index] += value
    return [DimensionFigure(name, sums[1] / sums[0], sums[2] / sums[0], interval(int(sums[0]), sums[3], sums[4]),
                            sums[5] / sums[0])
            for name in DIMENSIONS if (sums := merged.get(name))]


def _weight(version: str, dimension: str) -> float:
    return dimension_weights(frozen_checklist(version)).get(dimension, 0.0)


def _trend(points: Iterable) -> tuple[Estimate, list[tuple[str, float | None]]]:
    """Return the mean weighted gap with its interval, and its mean per month, from (moment, gap) rows."""
    months: dict[str, list[float]] = {}
    for moment, gap in points:
        months.setdefault(month_of(moment), []).append(gap)
    every = [gap for values in months.values() for gap in values]
    return mean_interval(every), [(month, sum(values) / len(values)) for month, values in sorted(months.items())]


def shopper_figures(start: date, end: date, where: list) -> SourceFigures:
    """Return the SERVQUAL figures of mystery shoppers' released survey visits."""
    gaps = _shopper_rows(start, end, where).where(Visit.servqual_gap.is_not(None))
    estimate, trend = _trend(db.session.execute(gaps.with_only_columns(Visit.finished_at, Visit.servqual_gap)))
    dimensions = _dimensions(db.session.execute(_shopper_dimensions(start, end, where)))
    return SourceFigures(SHOPPERS, estimate, dimensions, trend)


def customer_figures(start: date, end: date, where: list, staff: Staff | None = None) -> SourceFigures:
    """Return the SERVQUAL figures of customers' responses (a staff member's: those through their badge)."""
    table = responses()
    gaps = _customer_rows(start, end, where, staff).where(table.c.servqual_gap.is_not(None))
    estimate, trend = _trend(db.session.execute(gaps.with_only_columns(table.c.submitted_at, table.c.servqual_gap)))
    dimensions = _dimensions(_customer_dimensions(start, end, where, staff))
    return SourceFigures(CUSTOMERS, estimate, dimensions, trend)


def by_source(start: date, end: date, where: list) -> dict[str, SourceFigures]:
    """Return both sources' figures for the branches the conditions select."""
    return {SHOPPERS: shopper_figures(start, end, where), CUSTOMERS: customer_figures(start, end, where)}


def groups(start: date, end: date, where: list, by: str = "branch") -> list[GroupFigure]:
    """Return each branch's (or region's) weighted gap per source, with counts and intervals."""
    keys = (Branch.code, Branch.name, Branch.region) if by == "branch" else (Branch.region,)
    table = responses()
    queries = {
        SHOPPERS: _shopper_rows(start, end, where).where(Visit.servqual_gap.is_not(None))
        .with_only_columns(*keys, *_stats(Visit.servqual_gap)).group_by(*keys),
        CUSTOMERS: _customer_rows(start, end, where).where(table.c.servqual_gap.is_not(None))
        .with_only_columns(*keys, *_stats(table.c.servqual_gap)).group_by(*keys),
    }
    found: dict[str, GroupFigure] = {}
    for source, query in queries.items():
        for *names, count, total, squares in db.session.execute(query):
            key, name, group = (names[0], names[1], names[2]) if by == "branch" else (names[0], names[0], "")
            found.setdefault(key, GroupFigure(key, name, group)).sources[source] = interval(count, total, squares)
    return [found[key] for key in sorted(found)]


def staff_groups(start: date, end: date, where: list) -> list[GroupFigure]:
    """Return the customers' weighted gap per staff member whose badge link was answered."""
    table = responses()
    query = (_customer_rows(start, end, where).where(table.c.servqual_gap.is_not(None), table.c.staff_id.is_not(None))
             .join(Staff, Staff.id == table.c.staff_id)
             .with_only_columns(Staff.code, Staff.name, Branch.name, *_stats(table.c.servqual_gap))
             .group_by(Staff.code, Staff.name, Branch.name).order_by(Staff.code))
    return [GroupFigure(code, f"{code} {name}", branch_name, {CUSTOMERS: interval(count, total, squares)})
            for code, name, branch_name, count, total, squares in db.session.execute(query)]
