"""Counted staff results summed by staff member, branch and UTC month, kept exact as visits are counted or amended.

A leaderboard over a year would otherwise add up some 600,000 staff results per request (bench/dashboard.py);
it reads whole months here and only the days at either end from staff_results. Each month touched is summed
again from staff_results, never adjusted by a difference, so it cannot drift.
"""

from __future__ import annotations

from collections.abc import Iterable, Set
from datetime import date, datetime, timezone

from sqlalchemy import Date, cast, delete, func, insert, literal, select

from ..extensions import db
from ..months import month_after
from ..org.models import Staff
from .models import StaffMonth, StaffResult


def month_start(moment: datetime) -> date:
    """Return the first day of a moment's UTC month."""
    return moment.astimezone(timezone.utc).date().replace(day=1)


def utc_midnight(day: date) -> datetime:
    """Return the UTC moment a day starts."""
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def sums(earned, possible) -> list:
    """Return the columns a Tally is made of, summed: count, earned, possible and the three products."""
    return [func.count(), func.sum(earned), func.sum(possible), func.sum(earned * earned),
            func.sum(earned * possible), func.sum(possible * possible)]


Key = tuple[int, int, date]  # staff, branch, month
FIGURES = ("visits", "earned", "possible", "earned_squares", "products", "possible_squares")


def keys_of(results: Iterable[StaffResult]) -> set[Key]:
    """Return the months staff results fall in; of results flushed already (their ids are set)."""
    return {(result.staff_id, result.branch_id, month_start(result.finished_at)) for result in results}


def refresh(results: Iterable[StaffResult], before: Set[Key] = frozenset()) -> None:
    """Sum again the months of staff results as they are now (results) and as they were (before). Flush only."""
    db.session.flush()
    keys = keys_of(results) | before
    if not keys:
        return
    # Two transactions counting visits of one staff member at once (PostgreSQL) take turns here, so that the
    # second sums after the first has committed; in id order, so that neither waits for the other. FOR NO KEY
    # UPDATE: the KEY SHARE lock that inserting a staff result takes (its foreign key) does not conflict with it.
    db.session.execute(staff_lock({key[0] for key in keys}))
    for staff_id, branch_id, month in sorted(keys):
        db.session.execute(delete(StaffMonth).where(StaffMonth.staff_id == staff_id,
                                                    StaffMonth.branch_id == branch_id, StaffMonth.month == month))
        db.session.execute(insert(StaffMonth).from_select(
            ["staff_id", "branch_id", "month", *FIGURES],
            select(StaffResult.staff_id, StaffResult.branch_id, literal(month, Date),
                   *sums(StaffResult.earned, StaffResult.possible))
            .where(StaffResult.staff_id == staff_id, StaffResult.branch_id == branch_id, StaffResult.counted,
                   StaffResult.finished_at >= utc_midnight(month),
                   StaffResult.finished_at < utc_midnight(month_after(month)))
            .group_by(StaffResult.staff_id, StaffResult.branch_id)))


def staff_lock(staff_ids: set[int]):
    """Return the statement that takes the staff rows' lock for a refresh."""
    return select(Staff.id).where(Staff.id.in_(staff_ids)).order_by(Staff.id).with_for_update(key_share=True)


def rebuild() -> int:
    """Sum every month again from all counted staff results, for data written around the app; return the months."""
    finished = StaffResult.finished_at
    if db.session.get_bind().dialect.name == "postgresql":
        month = cast(func.date_trunc("month", func.timezone("UTC", finished)), Date)
    else:  # SQLite keeps UTC times as text
        month = func.date(finished, "start of month")
    db.session.execute(delete(StaffMonth))
    db.session.execute(insert(StaffMonth).from_select(
        ["staff_id", "branch_id", "month", *FIGURES],
        select(StaffResult.staff_id, StaffResult.branch_id, month, *sums(StaffResult.earned, StaffResult.possible))
        .where(StaffResult.counted).group_by(StaffResult.staff_id, StaffResult.branch_id, month)))
    return db.session.scalar(select(func.count()).select_from(StaffMonth))  # psycopg gives no rowcount here


def whole_months(low: datetime, high: datetime) -> tuple[date, date] | None:
    """Return the UTC months [first, last) that lie wholly inside [low, high), or None if there are none."""
    first = month_start(low)
    if utc_midnight(first) < low:
        first = month_after(first)
    last = month_start(high)
    return (first, last) if first < last else None
