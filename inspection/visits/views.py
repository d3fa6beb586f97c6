"""Pages for filling in a checklist and listing visits, and the photos behind the access check."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import access, localtime
from ..catalog.services import get_catalog
from ..checklists import Checklist, canonical_json
from ..extensions import db
from ..org.models import Branch
from ..problems import NotFound
from ..web.requests import optional_id, optional_period, page_number, send_photo
from . import inbox
from .models import Photo, Visit

bp = Blueprint("visits", __name__)
PAGE_SIZE = 50


def _fillable(checklist_id: str) -> Checklist:
    checklist = get_catalog().checklists.get(checklist_id)
    if checklist is None or not access.can(current_user, "checklist.fill", checklist):
        raise NotFound("no checklist '%(id)s' for you to fill in", id=checklist_id)
    return checklist


@bp.get("/checklists/<checklist_id>")
@login_required
def pick_branch(checklist_id: str):
    checklist = _fillable(checklist_id)
    branches = db.session.scalars(access.scoped_branches(current_user)).all()
    return render_template("visits/pick_branch.html", checklist=checklist, branches=branches)


@bp.get("/checklists/<checklist_id>/new")
@login_required
def new(checklist_id: str):
    checklist = _fillable(checklist_id)
    # The page is the same for every branch (a device keeps one copy); a branch named here is checked still.
    code = request.args.get("branch")
    if code is not None:
        branch = db.session.scalar(select(Branch).where(Branch.code == code))
        if branch is None or not access.can(current_user, "visit.submit", access.Fill(checklist.kind, branch)):
            raise NotFound("no branch '%(code)s' for you to visit", code=code)
    # Nothing is written here: the catalog froze this version when it loaded it.
    return render_template("visits/form.html", checklist=checklist, checklist_json=canonical_json(checklist))


@bp.get("/visits")
@login_required
def index():
    filters = inbox.Filters(status=request.args.get("status", ""), branch=request.args.get("branch", ""),
                            checklist=request.args.get("checklist", ""), submitter=optional_id("submitter"),
                            sort=request.args.get("sort", "newest"))
    filters.start, filters.end = optional_period()
    filters.check()
    page = page_number()
    counts = inbox.status_counts(current_user)
    visits, total = inbox.inbox(current_user, filters, localtime.zone(), page, PAGE_SIZE, counts)
    return render_template("visits/index.html", visits=visits, page=page, total=total, filters=filters,
                           pages=max(1, -(-total // PAGE_SIZE)), counts=counts,
                           branches=db.session.scalars(access.scoped_branches(current_user)).all(),
                           checklists=_readable_checklists(), submitters=inbox.submitters(current_user))


def _readable_checklists() -> list[Checklist]:
    return [c for c in get_catalog().checklists.values() if access.can(current_user, "checklist.read", c)]



@bp.get("/photos/<name>")
@login_required
def photo(name: str):
    stored_name = name.replace("-thumb.jpg", ".jpg")
    # A file named by its content may belong to many visits (or versions): one the user sees is enough.
    visible = db.session.scalar(
        select(Photo.id).join(Visit, Photo.visit_id == Visit.id)
        .where(Photo.stored_name == stored_name, access.visit_filter(current_user, Visit)).limit(1))
    if visible is None:
        raise NotFound("no photo %(name)s", name=name)
    response = send_photo(name)
    if response is None:
        current_app.logger.error("photo %s is named by a visit but missing on disk (run `flask media check`)", name)
        raise NotFound("the file of photo %(name)s is missing", name=name)
    return response
