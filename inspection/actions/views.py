"""Corrective action pages: open and overdue lists, one action with its steps and evidence."""

from __future__ import annotations

import uuid
from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import access
from ..db import write_transaction
from ..extensions import db
from ..org.models import Branch
from ..photos.processing import PhotoError, process
from ..photos.storage import media_path, write_with_files
from ..visits.models import Visit
from ..visits.views import visible_visit_or_404
from .models import CorrectiveAction
from .services import ActionError, ActionForbidden, actions_query, add_comment, advance, create_action

bp = Blueprint("actions", __name__)


@bp.get("/actions")
@login_required
def index():
    if current_user.role not in ("admin", "manager"):
        abort(403)
    branch = db.session.scalar(select(Branch).where(Branch.code == request.args.get("branch", "")))
    region = request.args.get("region") or None
    overdue = request.args.get("overdue") == "1"
    actions = db.session.scalars(actions_query(current_user, branch, region, overdue).limit(500)).all()
    regions = sorted({b.region for b in db.session.scalars(access.scoped_branches(current_user))})
    return render_template("actions/index.html", actions=actions, regions=regions, region=region,
                           branch=branch, overdue=overdue, today=date.today())


@bp.post("/visits/<uuid:visit_uuid>/actions")
@login_required
def create(visit_uuid: uuid.UUID):
    visit: Visit = visible_visit_or_404(visit_uuid)
    try:
        with write_transaction():
            action = create_action(current_user, visit, request.form.get("item_id", ""))
    except ActionForbidden:
        abort(403)
    except ActionError as error:
        flash(str(error), "error")
        return redirect(url_for("visits.show", visit_uuid=visit.uuid))
    return redirect(url_for("actions.show", action_id=action.id))


def _visible_action(action_id: int) -> CorrectiveAction:
    action = db.session.get(CorrectiveAction, action_id)
    if action is None or not access.can_view_reports(current_user, action.branch):
        abort(404)
    return action


@bp.get("/actions/<int:action_id>")
@login_required
def show(action_id: int):
    action = _visible_action(action_id)
    visit = db.session.get(Visit, action.visit_id)
    return render_template("actions/show.html", action=action, visit=visit, today=date.today())


@bp.post("/actions/<int:action_id>")
@login_required
def update(action_id: int):
    action = _visible_action(action_id)
    try:
        if request.form.get("comment"):
            with write_transaction():
                add_comment(current_user, action, request.form["comment"])
        if request.form.get("status"):
            _advance(action)
    except ActionForbidden:
        abort(403)
    except (ActionError, PhotoError) as error:
        flash(str(error), "error")
    return redirect(url_for("actions.show", action_id=action.id))


@bp.get("/actions/<int:action_id>/evidence")
@login_required
def evidence(action_id: int):
    action = _visible_action(action_id)
    if not action.closing_photo:
        abort(404)
    return send_file(media_path(current_app.config["MEDIA_DIR"], action.closing_photo), mimetype="image/jpeg")


def _advance(action: CorrectiveAction) -> None:
    upload = request.files.get("photo")
    photo = None
    if upload and upload.filename:
        config = current_app.config
        photo = process(upload.stream.read(config["MAX_PHOTO_BYTES"] + 1), config["MAX_PHOTO_BYTES"],
                        config["MAX_PHOTO_PIXELS"])
    with write_with_files(current_app.config["MEDIA_DIR"]) as files:
        advance(current_user, action, request.form["status"], request.form.get("note", ""), photo, files)
