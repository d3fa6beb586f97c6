"""Staff and branch performance as the API shows them."""

from __future__ import annotations

from ..performance.reports import BranchReport, StaffReport, weakest


def staff_json(report: StaffReport) -> dict:
    """Return a staff member's figures for a period: total, trend, dimensions and weakest items."""
    return {
        "staff": report.staff.code, "from": report.start.isoformat(), "to": report.end.isoformat(),
        "visits": report.total.count, "earned": report.total.earned, "possible": report.total.possible,
        "score": _rounded(report.total.score), "ranked": report.ranked, "minimum_sample": report.minimum,
        "trend": [{"month": month, "visits": t.count, "score": _rounded(t.score)}
                  for month, t in sorted(report.months.items())],
        "dimensions": {name: _rounded(t.score) for name, t in report.dimensions.items()},
        "weakest_items": _weakest_json(report.weakest()),
    }


def branch_json(report: BranchReport) -> dict:
    """Return a branch's figures for a period: score, trend, staff ranking, weakest items, critical failures."""
    earned = sum(row["earned"] for visit in report.visits for row in visit.result["sections"])
    possible = sum(row["possible"] for visit in report.visits for row in visit.result["sections"])
    ranked, unranked = report.ranking()
    return {
        "branch": report.branch.code, "from": report.start.isoformat(), "to": report.end.isoformat(),
        "visits": len(report.visits), "score": _rounded(100 * earned / possible if possible else None),
        "mean_visit_score": _rounded(report.mean_score), "ranked": len(report.visits) >= report.minimum,
        "trend": [{"month": month, "visits": len(scores), "score": _rounded(sum(scores) / len(scores))}
                  for month, scores in sorted(report.months.items())],
        "staff": [{"code": s.code, "visits": t.count, "score": _rounded(t.score), "ranked": s in dict(ranked)}
                  for s, t in ranked + unranked],
        "weakest_items": _weakest_json(weakest(report.items)),
        "critical_failures": [{"checklist": c, "text": text, "times": n}
                              for (c, text), n in sorted(report.critical.items(), key=lambda kv: -kv[1])],
    }


def _weakest_json(figures) -> list[dict]:
    return [{"checklist": f.checklist, "text": f.text, "times": f.tally.count, "earned": f.tally.earned,
             "possible": f.tally.possible, "score": _rounded(f.tally.score)} for f in figures]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
