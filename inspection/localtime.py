"""Where the branches are: one notion of the time zone, of today and of a day's bounds (INSPECTION_TIMEZONE).

The server runs on UTC; a branch's day does not. Periods, due dates, "overdue", exports and pages all
ask this module, so that at 07:00 in Beijing "today" is the same day everywhere.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask import current_app


@lru_cache(maxsize=8)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def zone() -> ZoneInfo:
    """Return the time zone where the branches are."""
    return _zone(current_app.config["TIMEZONE"])


def now() -> datetime:
    """Return the current time where the branches are."""
    return datetime.now(zone())


def today() -> date:
    """Return today's date where the branches are, not the server's UTC date."""
    return now().date()


def day_start(day: date) -> datetime:
    """Return the instant the day starts where the branches are, in UTC."""
    return datetime.combine(day, time(), zone()).astimezone(timezone.utc)


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """Return the half-open UTC range [start of `first`, start of the day after `last`) of local days."""
    return day_start(first), day_start(last + timedelta(days=1))


def local(moment: datetime) -> datetime:
    """Return an aware moment as the wall-clock time where the branches are."""
    return moment.astimezone(zone())
