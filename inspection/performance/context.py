"""What a staff member's page and scorecard show: their report with its charts and labels; SERVQUAL's charts."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l

from .. import charts
from ..appeals.reports import amended_for_staff
from ..labels import dimension_labels, servqual_legend
from ..org.models import Staff
from ..statistics import Estimate
from .reports import dimension_rows, monthly, staff_report
from .servqual import SourceFigures


def estimate_trend(points: list[tuple[str, Estimate]], label: str):
    """Draw means by period with their 90% intervals as error bars."""
    return charts.trend_chart([(name, estimate.mean) for name, estimate in points], label,
                              intervals=[(estimate.low, estimate.high) for _, estimate in points])


def staff_context(staff: Staff, start: date, end: date) -> dict:
    """Return what a staff member's page and scorecard show for a period, and the visits appeals amended."""
    report = staff_report(staff, start, end)
    trend = monthly(report.months, lambda tally: tally.estimate)
    rows = dimension_rows(report.dimensions, dimension_labels())
    return {"report": report, "trend_chart": estimate_trend(trend, str(_l("Score by month"))),
            "dimension_chart": charts.bar_chart(rows, str(_l("Dimensions"))) if rows else None,
            "amended": amended_for_staff(staff, start, end)}


def servqual_charts(figures: SourceFigures) -> dict:
    """Return one source's SERVQUAL charts: expectation against perception per dimension, the gap by month."""
    labels = dimension_labels()
    rows = [(labels[row.name], row.expectation, row.perception) for row in figures.dimensions]
    return {"dimensions": charts.servqual_chart(rows, str(_l("SERVQUAL dimensions")), servqual_legend()) if rows
            else None,
            "trend": charts.trend_chart(figures.trend, str(_l("Weighted SERVQUAL gap")), scale=(-3, 3))
            if figures.trend else None}
