"""The home page: the user's work (due, overdue, to correct), a manager's counts, and what they can fill in."""

from datetime import timedelta

from flask import Blueprint, current_app, render_template
from flask_login import current_user, login_required
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import access, localtime
from ..actions.models import CORRECTIVE, FOLLOW_UP, KINDS
from ..actions.services import actions_query
from ..appeals.reports import appealable_visits, open_appeals
from ..catalog.services import get_catalog
from ..db import utcnow
from ..extensions import db
from ..lifecycle import VisitStatus
from ..offline.services import fillable_checklists
from ..plans.listing import manager_counts, month_bounds, my_work
from ..visits.inbox import status_counts
from ..visits.models import Visit

bp = Blueprint("main", __name__)

RECENT_VISITS = 20


@bp.route("/")
@login_required
def index():
    catalog = get_catalog()
    checklists = fillable_checklists(current_user)
    branches = db.session.scalars(access.scoped_branches(current_user)).all()
    visits = db.session.scalars(
        select(Visit).where(access.visit_filter(current_user, Visit))
        .options(selectinload(Visit.branch), selectinload(Visit.snapshot))
        .order_by(Visit.finished_at.desc()).limit(RECENT_VISITS)
    ).all()
    problems = catalog.problems if access.can(current_user, "catalog.problems") else []
    now = utcnow()
    work = my_work(current_user, now) if checklists else None
    returned = db.session.scalars(
        select(Visit).where(Visit.submitter_id == current_user.id, Visit.status == VisitStatus.RETURNED)
        .options(selectinload(Visit.branch), selectinload(Visit.snapshot)).order_by(Visit.finished_at.desc())
    ).all() if checklists else []
    return render_template("main/index.html", checklists=checklists, branches=branches, visits=visits,
                           problems=problems, work=work, returned=returned, now=now, counts=_counts(),
                           appeals=_appeals(now))


def _appeals(now) -> dict | None:
    """Return the released visits the user may appeal and the open appeals they read; None if they read none."""
    if not access.can(current_user, "appeals.list"):
        return None
    waiting, count = open_appeals(current_user)
    return {"appealable": appealable_visits(current_user, now), "open": waiting, "open_count": count}


def _counts() -> dict | None:
    """Return what waits for a manager, each number linking to its list; None for other roles."""
    if not access.can(current_user, "coverage.view"):
        return None
    zone, today = localtime.zone(), localtime.today()
    visits = status_counts(current_user)
    overdue = {kind: db.session.scalar(select(func.count()).select_from(
        actions_query(current_user, overdue=True, kind=kind).subquery())) for kind in KINDS}
    start, end = month_bounds(today, zone)
    return {"visits": visits, "overdue_actions": overdue[CORRECTIVE], "overdue_follow_ups": overdue[FOLLOW_UP],
            **manager_counts(current_user, utcnow(), today, zone),
            "month_start": start.date(), "month_last": end.date() - timedelta(days=1),
            "to_review": visits[VisitStatus.SUBMITTED], "in_review": visits[VisitStatus.IN_REVIEW],
            "returned": visits[VisitStatus.RETURNED]}


@bp.route("/healthz")
def health():
    db.session.execute(select(1))
    return {"status": "ok"}


@bp.get("/favicon.ico")
def favicon():
    """Serve the icon that browsers ask for at the root, whatever page they were on."""
    return current_app.send_static_file("icons/favicon.ico")
