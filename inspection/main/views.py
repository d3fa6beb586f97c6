"""The home page: what the signed-in user can fill in and what they can see."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import access
from ..catalog.services import get_catalog
from ..extensions import db
from ..offline.services import fillable_checklists
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
    return render_template("main/index.html", checklists=checklists, branches=branches,
                           visits=visits, problems=problems)


@bp.route("/healthz")
def health():
    db.session.execute(select(1))
    return {"status": "ok"}
