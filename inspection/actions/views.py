"""Corrective action pages: open and overdue lists, one action with its steps and evidence."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import access, localtime
from ..db import write_transaction
from ..extensions import db
from ..lifecycle import ActionStep
from ..org.models import Branch
from ..performance.lookups import scoped_regions
from ..photos.processing import PhotoError, process
from ..photos.storage import existing_media_path, write_with_files
from ..problems import Invalid, NotFound
from ..visits.models import Visit
from ..visits.services import visible_visit
from ..web.requests import flashed_problems
from .services import actions_query, add_comment, advance, check_step, create_action, visible_action

bp = Blueprint("actions", __name__)


@bp.get("/actions")
@login_required
def index():
    if not access.can(current_user, "actions.list"):
        abort(403)
    branch = db.session.scalar(select(Branch).where(Branch.code == request.args.get("branch", "")))
    region = request.args.get("region") or None
    overdue = request.args.get("overdue") == "1"
    actions = db.session.scalars(actions_query(current_user, branch, region, overdue).limit(500)).all()
    return render_template("actions/index.html", actions=actions, regions=scoped_regions(current_user),
                           region=region, branch=branch, overdue=overdue, today=localtime.today())


@bp.post("/visits/<uuid:visit_uuid>/actions")
@login_required
def create(visit_uuid: uuid.UUID):
    visit = visible_visit(current_user, visit_uuid)
    with flashed_problems():
        with write_transaction():
            action = create_action(current_user, visit, request.form.get("item_id", ""))
        return redirect(url_for("actions.show", action_id=action.id))
    return redirect(url_for("review.show", visit_uuid=visit_uuid))


@bp.get("/actions/<id:action_id>")
@login_required
def show(action_id: int):
    action = visible_action(current_user, action_id)
    visit = db.session.get(Visit, action.visit_id)
    return render_template("actions/show.html", action=action, visit=visit, today=localtime.today())


@bp.post("/actions/<id:action_id>")
@login_required
def update(action_id: int):
    action = visible_action(current_user, action_id)
    step, comment = request.form.get("step", ""), request.form.get("comment", "")
    with flashed_problems():
        photo = _closing_photo(action, step)
        if step:  # refused before any file is written
            check_step(current_user, action, step, request.form.get("note", ""), photo)
        # One transaction: a step that is refused does not leave its comment behind.
        with write_with_files(current_app.config["MEDIA_DIR"], [photo] if photo else []) as files:
            if comment.strip():
                add_comment(current_user, action, comment)
            if step:
                advance(current_user, action, step, request.form.get("note", ""), photo, files)
    return redirect(url_for("actions.show", action_id=action_id))


@bp.get("/actions/<id:action_id>/evidence")
@login_required
def evidence(action_id: int):
    action = visible_action(current_user, action_id)
    path = existing_media_path(current_app.config["MEDIA_DIR"], action.closing_photo) if action.closing_photo else None
    if path is None:
        raise NotFound(f"corrective action {action_id} has no evidence photo")
    return send_file(path, mimetype="image/jpeg")


def _closing_photo(action, step: str):
    """Return the uploaded evidence, decoded only once the user may take this step."""
    upload = request.files.get("photo")
    if step != ActionStep.CLOSE or not upload or not upload.filename:
        return None
    access.require_step(current_user, "action", step, action)
    config = current_app.config
    try:
        return process(upload.stream.read(config["MAX_PHOTO_BYTES"] + 1), config["MAX_PHOTO_BYTES"],
                       config["MAX_PHOTO_PIXELS"], localtime.zone())
    except PhotoError as error:
        raise Invalid(f"{upload.filename}: {error}") from None
