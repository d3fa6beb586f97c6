"""Pages for filling in a checklist, listing visits and reading one, and serving their photos."""

from __future__ import annotations

import uuid
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import access
from ..actions.models import CorrectiveAction
from ..catalog.services import freeze, get_catalog
from ..checklists import Checklist, canonical_json
from ..db import write_transaction
from ..extensions import db
from ..org.models import Branch
from ..org.services import active_staff
from ..photos.storage import media_path, thumbnail_name
from ..review.services import latest_return
from .models import Photo, Visit
from .services import visit_details

bp = Blueprint("visits", __name__)
PAGE_SIZE = 50


def _submittable(checklist_id: str) -> Checklist:
    checklist = get_catalog().checklists.get(checklist_id)
    if checklist is None or checklist.kind not in access.SUBMIT_KINDS[current_user.role]:
        abort(404)
    return checklist


@bp.get("/checklists/<checklist_id>")
@login_required
def pick_branch(checklist_id: str):
    checklist = _submittable(checklist_id)
    branches = db.session.scalars(access.scoped_branches(current_user)).all()
    return render_template("visits/pick_branch.html", checklist=checklist, branches=branches)


@bp.get("/checklists/<checklist_id>/new")
@login_required
def new(checklist_id: str):
    checklist = _submittable(checklist_id)
    branch = db.session.scalar(select(Branch).where(Branch.code == request.args.get("branch", "")))
    if branch is None or not access.can_submit(current_user, checklist.kind, branch):
        abort(404)
    with write_transaction():
        freeze(checklist)  # so that a draft filled against this version is scored with it
    staff = active_staff(branch)
    return render_template("visits/form.html", checklist=checklist, branch=branch, staff=staff,
                           checklist_json=canonical_json(checklist))


@bp.get("/visits")
@login_required
def index():
    page = max(1, request.args.get("page", 1, type=int))
    visits = db.session.scalars(
        select(Visit).where(access.visit_filter(current_user))
        .options(selectinload(Visit.branch), selectinload(Visit.snapshot))
        .order_by(Visit.finished_at.desc()).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)
    ).all()
    return render_template("visits/index.html", visits=visits[:PAGE_SIZE], page=page,
                           has_next=len(visits) > PAGE_SIZE)


@bp.get("/visits/<uuid:visit_uuid>")
@login_required
def show(visit_uuid: uuid.UUID):
    visit = visible_visit_or_404(visit_uuid)
    actions = {action.item_id: action for action in db.session.scalars(
        select(CorrectiveAction).where(CorrectiveAction.visit_id == visit.id))}
    return render_template("visits/show.html", **visit_details(visit), actions=actions,
                           reports=access.can_view_reports(current_user, visit.branch),
                           reviewer=access.can_review(current_user, visit),
                           last_return=latest_return(visit))


@bp.app_template_global()
def item_options(item) -> list[tuple[str, str]]:
    """Return (value, label) pairs for the answer buttons of a yes/no, rating or choice item."""
    if item.type == "yes_no":
        if item.scored:
            return [("true", _("Met")), ("false", _("Not met"))]
        return [("true", _("Yes")), ("false", _("No"))]
    if item.type == "rating":
        return [(str(n), str(n)) for n in range(1, item.rating_scale + 1)]
    return [(str(option.value), option.label) for option in item.options]


@bp.app_template_global()
def answer_label(item, value) -> str:
    """Return an answer as a reader sees it: 达标, 4 / 5, 3.2 s (limit 5 s), N/A."""
    if value is None:
        return "—"
    if value == "na":
        return _("N/A")
    if item.type in ("yes_no", "choice"):
        return dict(item_options(item)).get(str(value).lower() if item.type == "yes_no" else str(value), str(value))
    if item.type == "rating":
        return f"{value} / {item.rating_scale}"
    if item.type == "timer":
        return _("%(seconds)s s (limit %(limit)s s)", seconds=f"{value:g}", limit=f"{item.limit:g}")
    if item.type == "deduction":
        return _("%(count)s occurrence(s)", count=value)
    if item.type == "servqual":
        return _("expected %(e)s, perceived %(p)s", e=value["expectation"], p=value["perception"])
    if item.type == "number":
        return f"{value:g} {item.unit or ''}".strip()
    return str(value)


@bp.app_template_filter()
def localtime(moment, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """Format an aware time in the app's time zone."""
    return moment.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).strftime(pattern)


def visible_visit_or_404(visit_uuid: uuid.UUID) -> Visit:
    """Return the visit if the signed-in user may see it; otherwise 404, so that ids leak nothing."""
    visit = db.session.scalar(select(Visit).where(Visit.uuid == visit_uuid))
    if visit is None or not access.can_view_visit(current_user, visit):
        abort(404)
    return visit


@bp.get("/photos/<name>")
@login_required
def photo(name: str):
    stored_name = name.replace("-thumb.jpg", ".jpg")
    row = db.session.scalar(select(Photo).where(Photo.stored_name == stored_name))
    if row is None or not access.can_view_visit(current_user, row.visit):
        abort(404)
    file_name = thumbnail_name(stored_name) if name.endswith("-thumb.jpg") else stored_name
    response = send_file(media_path(current_app.config["MEDIA_DIR"], file_name), mimetype="image/jpeg",
                         max_age=3600)
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.app_template_global()
def photo_url(photo: Photo, thumbnail: bool = False) -> str:
    """Return the access-checked address of a photo or its thumbnail."""
    name = thumbnail_name(photo.stored_name) if thumbnail else photo.stored_name
    return url_for("visits.photo", name=name)


def visit_json(visit: Visit) -> dict:
    """Return a visit's answers, notes, photo links and full result, for the API."""
    return {
        "checklist": visit.checklist_id, "version": visit.checklist_version, "branch": visit.branch.code,
        "status": visit.status, "started_at": visit.started_at.isoformat(),
        "finished_at": visit.finished_at.isoformat(),
        "answers": {a.item_id: a.value for a in visit.answers if a.value is not None},
        "notes": {a.item_id: a.note for a in visit.answers if a.note},
        "photos": [{"item": p.item_id, "url": photo_url(p), "thumbnail": photo_url(p, True),
                    "width": p.width, "height": p.height, "sha256": p.sha256,
                    "taken_at": p.taken_at.isoformat() if p.taken_at else None} for p in visit.photos],
        "result": visit.result,
    }
