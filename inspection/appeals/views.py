"""Appeal pages: the branch's form on a released visit, the list, one appeal with its decision form, the report."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from .. import access, localtime
from ..catalog.services import frozen_checklist
from ..db import utcnow, write_transaction
from ..extensions import db, media_store
from ..lifecycle import AppealStatus
from ..photos.processing import PhotoError, process
from ..photos.storage import thumbnail_name, write_with_files
from ..problems import BadRequest, Conflict, Invalid, NotFound
from ..visits.models import Visit
from ..visits.services import visible_visit, visit_details
from ..web.errors import details
from ..web.requests import flashed_problems, period, send_photo
from .decisions import ItemDecision, decide
from .models import Appeal
from .reports import appeal_report
from .services import (
    appealable_items,
    appeals_query,
    check_filing,
    check_may_file,
    file_appeal,
    last_day,
    visible_appeal,
)

bp = Blueprint("appeals", __name__)
OUTCOMES = {"upheld": ItemDecision(True), "na": ItemDecision(True, na=True), "rejected": ItemDecision(False)}


def _errors(problem) -> dict[str, list[str]]:
    """Return each field's problems in the reader's language, for the form that comes back."""
    errors: dict[str, list[str]] = {}
    for detail in details(problem.details) if problem is not None else []:
        errors.setdefault(detail.get("field") or detail.get("item") or "", []).append(detail["text"])
    return errors


@bp.route("/visits/<uuid:visit_uuid>/appeal", methods=["GET", "POST"])
@login_required
def new(visit_uuid: uuid.UUID):
    visit = visible_visit(current_user, visit_uuid)
    if request.method == "GET":
        with flashed_problems():  # a closed window or an appeal already filed: said on the visit page
            check_may_file(current_user, visit)
            return _form(visit)
        return redirect(url_for("review.show", visit_uuid=visit.uuid))
    chosen, reason = request.form.getlist("items"), request.form.get("reason", "")
    try:
        check_filing(current_user, visit, chosen, reason)  # refused before the photo is read
        photo = _photo()
        with write_with_files(media_store(), [photo] if photo else []) as files:
            appeal = file_appeal(current_user, visit, chosen, reason, photo, files)
    except (BadRequest, Conflict, Invalid) as problem:
        with flashed_problems():
            raise problem
        return _form(visit, problem, {"items": chosen, "reason": reason}), problem.status
    flash(_("Your appeal is filed. A manager who did not score this visit decides it."), "info")
    return redirect(url_for("appeals.show", appeal_id=appeal.id))


def _form(visit, problem=None, form=None):
    details_ = visit_details(visit)
    return render_template("appeals/form.html", **details_, items=appealable_items(visit), last_day=last_day(visit),
                           form=form or {"items": request.args.getlist("item")}, errors=_errors(problem))


def _photo():
    """Return the uploaded photo, decoded and stripped like any evidence photo; None if none was chosen."""
    upload = request.files.get("photo")
    if not upload or not upload.filename:
        return None
    config = current_app.config
    try:
        return process(upload.stream.read(config["MAX_PHOTO_BYTES"] + 1), config["MAX_PHOTO_BYTES"],
                       config["MAX_PHOTO_PIXELS"], localtime.zone())
    except PhotoError as error:
        raise Invalid("the photo %(file)s was refused: %(reason)s", file=upload.filename, reason=error) from None


@bp.get("/appeals")
@login_required
def index():
    if not access.can(current_user, "appeals.list"):
        abort(403)
    status = request.args.get("status") or None
    appeals = db.session.scalars(appeals_query(current_user, status).options(
        selectinload(Appeal.branch), selectinload(Appeal.items),
        selectinload(Appeal.visit).selectinload(Visit.snapshot)).limit(500)).all()
    return render_template("appeals/index.html", appeals=appeals, status=status, statuses=list(AppealStatus),
                           now=utcnow())


@bp.get("/appeals/report")
@login_required
def report():
    if not access.can(current_user, "appeals.report"):
        abort(403)
    start, end = period()
    return render_template("appeals/report.html", report=appeal_report(current_user, start, end))


@bp.get("/appeals/<id:appeal_id>")
@login_required
def show(appeal_id: int):
    return _show(visible_appeal(current_user, appeal_id))


def _show(appeal, problem=None, form=None):
    checklist = frozen_checklist(appeal.visit.checklist_version)
    return render_template("appeals/show.html", appeal=appeal, visit=appeal.visit, checklist=checklist,
                           current={answer.item_id: answer.value for answer in appeal.visit.answers},
                           form=form or {}, errors=_errors(problem))


@bp.post("/appeals/<id:appeal_id>")
@login_required
def decide_appeal(appeal_id: int):
    appeal = visible_appeal(current_user, appeal_id)
    decisions, typed = {}, dict(request.form)
    for item in appeal.items:
        outcome = request.form.get(f"outcome.{item.item_id}", "")
        if outcome in OUTCOMES:
            chosen = OUTCOMES[outcome]
            decisions[item.item_id] = ItemDecision(chosen.upheld, request.form.get(f"value.{item.item_id}", ""),
                                                   chosen.na)
    try:
        with write_transaction():
            decide(current_user, appeal, decisions, request.form.get("comment", ""))
    except (BadRequest, Conflict, Invalid) as problem:
        db.session.refresh(appeal)
        with flashed_problems():
            raise problem
        return _show(appeal, problem, typed), problem.status
    flash(_("The appeal is decided; its branch is told."), "info")
    return redirect(url_for("appeals.show", appeal_id=appeal_id))


@bp.get("/appeals/<id:appeal_id>/photo")
@login_required
def photo(appeal_id: int):
    appeal = visible_appeal(current_user, appeal_id)
    name = appeal.photo and (thumbnail_name(appeal.photo) if request.args.get("thumbnail") else appeal.photo)
    response = send_photo(name) if name else None
    if response is None:
        raise NotFound("appeal %(id)s has no photo", id=appeal_id)
    return response
