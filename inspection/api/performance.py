"""Staff and branch performance as the API shows them."""

from __future__ import annotations

from ..performance.branches import BranchReport, Standing
from ..performance.reports import StaffReport, weakest
from ..statistics import Estimate


def staff_json(report: StaffReport) -> dict:
    """Return a staff member's figures for a period: total with its interval, trend, dimensions and weakest items."""
    return {
        "staff": report.staff.code, "from": report.start.isoformat(), "to": report.end.isoformat(),
        "visits": report.total.count, "earned": report.total.earned, "possible": report.total.possible,
        "score": _rounded(report.total.score), **_uncertainty(report.total.estimate), "ranked": report.ranked,
        "minimum_sample": report.minimum,
        "trend": [{"month": month, "visits": t.count, "score": _rounded(t.score), "interval": _interval(t.estimate)}
                  for month, t in sorted(report.months.items())],
        "dimensions": {name: _rounded(t.score) for name, t in report.dimensions.items()},
        "weakest_items": _weakest_json(report.weakest()),
    }


def branch_json(report: BranchReport) -> dict:
    """Return a branch's figures for a period: score, trend, staff ranking, weakest items, critical failures."""
    ranked, unranked = report.ranking()
    score = 100 * report.earned / report.possible if report.possible else None
    return {
        "branch": report.branch.code, "from": report.start.isoformat(), "to": report.end.isoformat(),
        "visits": report.count, "score": _rounded(score),
        "mean_visit_score": _rounded(report.mean_score), **_uncertainty(report.estimate),
        "ranked": report.count >= report.minimum,
        "trend": [_month(month, estimate) for month, estimate in sorted(report.months.items())],
        "staff": [_standing(row, index < len(ranked)) for index, row in enumerate(ranked + unranked)],
        "weakest_items": _weakest_json(weakest(report.items)),
        "critical_failures": [{"checklist": c, "text": text, "times": n}
                              for (c, text), n in sorted(report.critical.items(), key=lambda kv: -kv[1])],
    }


def _weakest_json(figures) -> list[dict]:
    return [{"checklist": f.checklist, "text": f.text, "times": f.tally.count, "earned": f.tally.earned,
             "possible": f.tally.possible, "score": _rounded(f.tally.score)} for f in figures]


def _standing(row: Standing, ranked: bool) -> dict:
    return {"code": row.staff.code, "visits": row.tally.count, "score": _rounded(row.tally.score),
            **_uncertainty(row.tally.estimate), "ranked": ranked, "shrunk": _rounded(row.shrunk)}


def _month(month: str, estimate: Estimate) -> dict:
    return {"month": month, "visits": estimate.count, "score": _rounded(estimate.mean),
            "interval": _interval(estimate)}


def _uncertainty(estimate: Estimate) -> dict:
    """Return how many visits a mean rests on and its interval."""
    return {"count": estimate.count, "interval": _interval(estimate)}


def _interval(estimate: Estimate) -> dict:
    """Return the interval's bounds within 0–100 (null below two visits, or when every visit scored the same)."""
    if estimate.low is None or estimate.high is None:
        return {"low": None, "high": None, "confidence": estimate.confidence}
    return {"low": _rounded(max(estimate.low, 0.0)), "high": _rounded(min(estimate.high, 100.0)),
            "confidence": estimate.confidence}


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
