"""Performance pages for those who read reports: branches and regions, leaderboards, staff, SERVQUAL."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import access, charts
from ..labels import dimension_labels, servqual_legend
from ..web.requests import period
from . import services
from .context import staff_context
from .lookups import reportable_staff, scope_filters

bp = Blueprint("performance", __name__, url_prefix="/performance")


@bp.before_request
@login_required
def readers_only():
    if not access.can(current_user, "reports.view"):
        abort(403)


def _filters() -> dict:
    """Read the period, and a branch and region among the user's own (an unknown one is ignored, and said)."""
    start, end = period()
    scope = scope_filters(current_user, request.args.get("branch", ""), request.args.get("region", ""))
    return {"start": start, "end": end, "branch": scope.branch, "region": scope.region, "regions": scope.regions,
            "branches": scope.branches, "scope": scope}


def _page(template: str, f: dict, **context):
    """Render a filtered page; a branch or region that is not one of the user's answers 404 with the page."""
    return render_template(template, f=f, **context), 404 if f["scope"].unknown else 200


@bp.get("/")
def overview():
    f = _filters()
    branches = services.comparison(current_user, f["start"], f["end"], "branch", f["region"])
    regions = services.comparison(current_user, f["start"], f["end"], "region", f["region"])
    trend = services.monthly_scores(current_user, f["start"], f["end"], f["branch"], f["region"])
    return _page("performance/overview.html", f, branches=branches, regions=regions,
                 trend_chart=charts.trend_chart(trend, _("Mean score by month")))


@bp.get("/leaderboard")
def leaderboard():
    f = _filters()
    ranked, unranked = services.leaderboard(current_user, f["start"], f["end"], f["branch"], f["region"])
    return _page("performance/leaderboard.html", f, ranked=ranked, unranked=unranked)


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
                                  _("SERVQUAL dimensions"), servqual_legend()) if figures["dimensions"] else None
    trend = charts.trend_chart(figures["trend"], _("Weighted SERVQUAL gap"), scale=(-3, 3))
    return _page("performance/servqual.html", f, figures=figures, chart=chart, labels=labels, trend_chart=trend)
