"""Pages for assignments and plans: lists, one assignment and its steps, a new one, a plan, a CSV import."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import access, localtime
from ..auth.models import Role, User
from ..catalog.services import get_catalog
from ..db import utcnow, write_transaction
from ..extensions import db
from ..problems import BadRequest, Invalid
from ..visits.models import Visit
from ..visits.services import presence
from ..web.requests import flashed_problems, optional_id, optional_period, page_number
from . import listing, planning, services
from .imports import COLUMNS, import_assignments, local_time
from .models import SHOWN_STATES
from .tasks import submit_plan

bp = Blueprint("plans", __name__)
PAGE_SIZE = 50
# What the assignment's page says once a step is taken.
STEP_DONE = {
    "decline": _l("You declined this assignment; the branch's managers are told."),
    "reassign": _l("The assignment is reassigned; its new assignee is told."),
    "cancel": _l("The assignment is cancelled; its assignee is told."),
}



def _people() -> list[User]:
    """Return the active inspectors and shoppers who work in at least one of the manager's branches."""
    branches = db.session.scalars(access.scoped_branches(current_user)).all()
    people = db.session.scalars(select(User).where(User.active, User.role.in_([Role.INSPECTOR, Role.SHOPPER]))
                                .options(selectinload(User.branches), selectinload(User.region_rows))
                                .order_by(User.name))
    return [person for person in people if any(access.in_scope(person, branch) for branch in branches)]


@bp.get("/assignments")
@login_required
def index():
    access.require(current_user, "assignments.list")
    filters = listing.Filters(state=request.args.get("state", ""), branch=request.args.get("branch", ""),
                              assignee=optional_id("assignee"))
    filters.start, filters.end = optional_period()
    filters.check()
    page = page_number()
    rows, total = listing.assignments(current_user, filters, utcnow(), localtime.zone(), page, PAGE_SIZE)
    manages = access.can(current_user, "plans.manage")
    return render_template("plans/index.html", assignments=rows, total=total, page=page, filters=filters,
                           pages=max(1, -(-total // PAGE_SIZE)), states=SHOWN_STATES, now=utcnow(), manages=manages,
                           branches=db.session.scalars(access.scoped_branches(current_user)).all() if manages else [],
                           people=_people() if manages else [])


@bp.get("/assignments/<id:assignment_id>")
@login_required
def show(assignment_id: int):
    assignment = services.visible_assignment(current_user, assignment_id)
    checklist = get_catalog().checklists.get(assignment.checklist_id)
    visit_uuid = db.session.scalar(select(Visit.uuid).where(Visit.id == assignment.visit_id)) \
        if assignment.visit_id else None
    return render_template("plans/show.html", assignment=assignment, checklist=checklist, now=utcnow(),
                           visit_uuid=visit_uuid, people=_people() if access.can(current_user, "plans.manage") else [])


@bp.post("/assignments/<id:assignment_id>/<step>")
@login_required
def step(assignment_id: int, step: str):
    assignment = services.visible_assignment(current_user, assignment_id)
    with flashed_problems():
        with write_transaction():
            if step == "decline":
                services.decline(current_user, assignment, request.form.get("reason", ""))
            elif step == "reassign":
                services.reassign(current_user, assignment,
                                  services.assignee_by_email(request.form.get("assignee", "")))
            elif step == "cancel":
                services.cancel(current_user, assignment)
            else:
                raise BadRequest("unknown step '%(step)s': use decline, reassign or cancel", step=step)
        flash(str(STEP_DONE[step]), "info")
    return redirect(url_for("plans.show", assignment_id=assignment_id))


@bp.route("/assignments/new", methods=["GET", "POST"])
@login_required
def new():
    access.require(current_user, "plans.manage")
    if request.method == "POST":
        with flashed_problems():
            with write_transaction():
                assignment = services.assign(current_user, _draft_from_form())
            return redirect(url_for("plans.show", assignment_id=assignment.id))
    return render_template("plans/new.html", form=request.form, people=_people(), checklists=_checklists(),
                           branches=db.session.scalars(access.scoped_branches(current_user)).all())


def _draft_from_form() -> services.Draft:
    form, zone = request.form, localtime.zone()
    start = local_time(form.get("window_start", ""), zone, "window_start")
    end = local_time(form.get("window_end", ""), zone, "window_end")
    return services.Draft(branch=services.branch_by_code(form.get("branch", "")),
                          checklist=services.assignable_checklist(form.get("checklist", "")),
                          assignee=services.assignee_by_email(form.get("assignee", "")), window_start=start,
                          window_end=end, scenario=form.get("scenario", ""), brief=form.get("brief", ""))


def _checklists():
    return [c for c in get_catalog().checklists.values() if c.kind in access.ALL_KINDS]


@bp.route("/plans/new", methods=["GET", "POST"])
@login_required
def plan():
    """Show the plan form; posted, preview the plan it makes, or create it when asked to."""
    access.require(current_user, "plans.manage")
    shown = None
    if request.method == "POST":
        with flashed_problems():
            plan_request = _plan_request()
            timezone = current_app.config["TIMEZONE"]
            if request.form.get("create") and \
                    planning.planned_visits(current_user, plan_request) > current_app.config["PLAN_JOB_VISITS"]:
                with write_transaction():  # a large plan: created by a job, whose page shows how far it got
                    job = submit_plan(current_user, plan_request, request.form.get("digest", ""), timezone,
                                      url_for("plans.index", **{"from": plan_request.first_month.isoformat()}))
                return redirect(url_for("jobs.show", job_id=job.id))
            if request.form.get("create"):
                with write_transaction():
                    made = planning.create(current_user, plan_request, request.form.get("digest", ""), presence,
                                           timezone)
                flash(_("Plan created: %(count)d assignments.", count=made.assignments_count), "info")
                return redirect(url_for("plans.index", **{"from": plan_request.first_month.isoformat()}))
            shown = planning.preview(current_user, plan_request, presence, timezone)
            db.session.rollback()  # the preview writes nothing
    regions = sorted({branch.region for branch in db.session.scalars(access.scoped_branches(current_user))})
    return render_template("plans/plan.html", form=request.form, regions=regions, checklists=_checklists(),
                           preview=shown)


def _plan_request() -> planning.PlanRequest:
    form = request.form
    try:
        first = date.fromisoformat(form.get("first_month", "") + "-01")
        months = int(form.get("months", "1"))
        counts = {c.id: int(form.get(f"count.{c.id}") or 0) for c in _checklists()}
        window_days = int(form["window_days"]) if form.get("window_days") else None
    except ValueError:
        raise Invalid.about("plan", "plan_form", "the first month is written YYYY-MM; months, counts and window "
                            "days are whole numbers") from None
    return planning.PlanRequest(name=form.get("name", ""), region=form.get("region", ""), first_month=first,
                                months=months, counts=counts, window_days=window_days,
                                scenario=form.get("scenario", ""), brief=form.get("brief", ""))


@bp.route("/assignments/import", methods=["GET", "POST"])
@login_required
def import_csv():
    access.require(current_user, "plans.manage")
    refused = []
    if request.method == "POST":
        upload = request.files.get("file")
        if upload is None:
            raise BadRequest("choose a CSV file to import")
        with write_transaction():
            created, refused = import_assignments(current_user, upload.read(), localtime.zone())
        if created:
            return redirect(url_for("plans.index"))
    return render_template("plans/import.html", refused=refused, columns=COLUMNS)
