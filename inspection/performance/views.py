"""Performance pages for those who read reports: branches and regions, leaderboards, staff, SERVQUAL."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import access
from ..labels import dimension_labels
from ..web.requests import page_number, period
from . import services
from . import servqual as sources
from .context import estimate_trend, servqual_charts, staff_context
from .lookups import reportable_staff, scope_filters

bp = Blueprint("performance", __name__, url_prefix="/performance")
LEADERBOARD_PAGE = 100


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
    branches, regions, trend = services.overview(current_user, f["start"], f["end"], f["branch"], f["region"])
    return _page("performance/overview.html", f, branches=branches, regions=regions,
                 trend_chart=estimate_trend(trend, _("Mean score by month")))


@bp.get("/leaderboard")
def leaderboard():
    f = _filters()
    ranked, unranked = services.leaderboard(current_user, f["start"], f["end"], f["branch"], f["region"])
    # Ranked over everyone in scope, shown a page at a time: an organisation's thousands of staff are not one page.
    rows, page = ranked + unranked, page_number()
    shown = rows[(page - 1) * LEADERBOARD_PAGE:page * LEADERBOARD_PAGE]
    return _page("performance/leaderboard.html", f, ranked=[row for row in shown if row.place is not None],
                 unranked=[row for row in shown if row.place is None], page=page,
                 pages=max(1, -(-len(rows) // LEADERBOARD_PAGE)))


@bp.get("/staff/<code>")
def staff(code: str):
    member = reportable_staff(current_user, code)
    start, end = period()
    customers = sources.customer_figures(start, end, [], staff=member)  # through the member's badge links
    return render_template("performance/staff.html", start=start, end=end, customers=customers,
                           customer_charts=servqual_charts(customers), labels=dimension_labels(),
                           **staff_context(member, start, end))


@bp.get("/servqual")
def servqual():
    f = _filters()
    start, end = f["start"], f["end"]
    where = sources.reader_scope(current_user, f["branch"], f["region"])
    figures = sources.by_source(start, end, where)
    compared = sources.reader_scope(current_user, region=f["region"])  # every branch of the region, side by side
    return _page("performance/servqual.html", f, sources=figures, labels=dimension_labels(),
                 charts={name: servqual_charts(found) for name, found in figures.items()},
                 branches=sources.groups(start, end, compared, "branch"),
                 regions=sources.groups(start, end, compared, "region"),
                 staff=sources.staff_groups(start, end, where))
