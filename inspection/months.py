"""Calendar months by their first days: the arithmetic plans, reports and the monthly sums share."""

from __future__ import annotations

from datetime import date


def month_after(day: date) -> date:
    """Return the first day of the month after the one the day falls in."""
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)
