"""What a staff member's page and scorecard show: their report with its charts and labels."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from .. import charts
from ..labels import dimension_labels
from ..org.models import Staff
from .reports import dimension_rows, monthly, staff_report


def staff_context(staff: Staff, start: date, end: date) -> dict:
    """Return what a staff member's page and scorecard show for a period."""
    report = staff_report(staff, start, end)
    trend = monthly(report.months, lambda tally: tally.score)
    rows = dimension_rows(report.dimensions, dimension_labels())
    return {"report": report, "trend_chart": charts.trend_chart(trend, str(_l("Score by month"))),
            "dimension_chart": charts.bar_chart(rows, str(_l("Dimensions"))) if rows else None}
