"""Performance pages for managers: branches and regions, leaderboards, staff, SERVQUAL."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import access, charts
from ..extensions import db
from ..org.models import Branch, Staff
from ..scorecards.services import dimension_labels, staff_context
from . import services

bp = Blueprint("performance", __name__, url_prefix="/performance")
DEFAULT_DAYS = 90


def period() -> tuple[date, date]:
    """Read ?from=YYYY-MM-DD&to=YYYY-MM-DD; the default is the last 90 days."""
    try:
        end = date.fromisoformat(request.args["to"]) if request.args.get("to") else date.today()
        start = date.fromisoformat(request.args["from"]) if request.args.get("from") else end - timedelta(DEFAULT_DAYS)
    except ValueError:
        abort(400, "dates are written YYYY-MM-DD")
    if start > end:
        abort(400, "the period starts after it ends")
    return start, end


@bp.before_request
@login_required
def managers_only():
    if current_user.role == "shopper":
        abort(403)


def reportable_staff_or_404(code: str) -> Staff:
    """Return the staff member if the caller may read their performance; otherwise 404."""
    member = db.session.scalar(select(Staff).where(Staff.code == code))
    if member is None or not access.can_view_reports(current_user, member.branch):
        abort(404, f"no staff member {code}")
    return member


def reportable_branch_or_404(code: str) -> Branch:
    """Return the branch if the caller may read its performance; otherwise 404."""
    branch = db.session.scalar(select(Branch).where(Branch.code == code))
    if branch is None or not access.can_view_reports(current_user, branch):
        abort(404, f"no branch {code}")
    return branch


def _filters() -> dict:
    start, end = period()
    branch = reportable_branch_or_404(request.args["branch"]) if request.args.get("branch") else None
    regions = sorted({b.region for b in db.session.scalars(access.scoped_branches(current_user))})
    return {"start": start, "end": end, "branch": branch, "region": request.args.get("region") or None,
            "regions": regions}


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
    member = reportable_staff_or_404(code)
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
