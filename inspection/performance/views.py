"""Performance pages for those who read reports: branches and regions, leaderboards, staff, SERVQUAL."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import access, charts
from ..labels import dimension_labels
from ..web.requests import period
from . import services
from .context import staff_context
from .lookups import reportable_branch, reportable_staff, scoped_regions

bp = Blueprint("performance", __name__, url_prefix="/performance")


@bp.before_request
@login_required
def readers_only():
    if not access.can(current_user, "reports.view"):
        abort(403)


def _filters() -> dict:
    start, end = period()
    branch = reportable_branch(current_user, request.args["branch"]) if request.args.get("branch") else None
    return {"start": start, "end": end, "branch": branch, "region": request.args.get("region") or None,
            "regions": scoped_regions(current_user)}


@bp.get("/")
def overview():
    f = _filters()
    branches = services.comparison(current_user, f["start"], f["end"], "branch", f["region"])
    regions = services.comparison(current_user, f["start"], f["end"], "region", f["region"])
    trend = services.monthly_scores(current_user, f["start"], f["end"], f["branch"], f["region"])
    return render_template("performance/overview.html", f=f, branches=branches, regions=regions,
                           trend_chart=charts.trend_chart(trend, _("Mean score by month")))


@bp.get("/leaderboard")
def leaderboard():
    f = _filters()
    ranked, unranked = services.leaderboard(current_user, f["start"], f["end"], f["branch"], f["region"])
    return render_template("performance/leaderboard.html", f=f, ranked=ranked, unranked=unranked)


@bp.get("/staff/<code>")
def staff(code: str):
    member = reportable_staff(current_user, code)
    start, end = period()
    return render_template("performance/staff.html", start=start, end=end, **staff_context(member, start, end))


@bp.get("/servqual")
def servqual():
    f = _filters()
    figures = services.servqual(current_user, f["start"], f["end"], f["branch"], f["region"])
    labels = dimension_labels()
    chart = charts.servqual_chart([(labels[name], e, p) for name, e, p, _gap in figures["dimensions"]],
                                  _("SERVQUAL dimensions")) if figures["dimensions"] else None
    trend = charts.trend_chart(figures["trend"], _("Weighted SERVQUAL gap"), scale=(-3, 3))
    return render_template("performance/servqual.html", f=f, figures=figures, chart=chart, labels=labels,
                           trend_chart=trend)
