"""Corrective action pages: open and overdue lists, one action (or customer follow-up) with its steps and evidence."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from .. import access, localtime
from ..catalog.services import frozen_checklist
from ..db import write_transaction
from ..extensions import db, media_store
from ..lifecycle import ActionStep
from ..performance.lookups import scope_filters
from ..photos.processing import PhotoError, process
from ..photos.storage import write_with_files
from ..problems import BadRequest, Conflict, Invalid, NotFound
from ..visits.models import Visit
from ..visits.services import visible_visit, visit_details
from ..web.errors import details
from ..web.requests import flashed_problems, send_photo
from .models import CORRECTIVE, FOLLOW_UP, KINDS, CorrectiveAction
from .services import actions_query, add_comment, advance, check_step, create_action, visible_action

bp = Blueprint("actions", __name__)
# What the page says once a step is taken, by the action's kind.
STEP_DONE = {
    CORRECTIVE: {
        ActionStep.START: _l("Work on this action has started."),
        ActionStep.CLOSE: _l("The action is marked done. Someone other than you verifies it."),
        ActionStep.VERIFY: _l("The action is verified."),
        ActionStep.REOPEN: _l("The action is open again: it needs a new closing note and photo."),
    },
    FOLLOW_UP: {
        ActionStep.START: _l("Work on this follow-up has started."),
        ActionStep.CLOSE: _l("The follow-up is marked done. Someone other than you verifies it."),
        ActionStep.VERIFY: _l("The follow-up is verified."),
        ActionStep.REOPEN: _l("The follow-up is open again: it needs a new closing note."),
    },
}


@bp.get("/actions")
@login_required
def index():
    if not access.can(current_user, "actions.list"):
        abort(403)
    f = scope_filters(current_user, request.args.get("branch", ""), request.args.get("region", ""))
    overdue, kind = request.args.get("overdue") == "1", request.args.get("kind") or None
    query = actions_query(current_user, f.branch, f.region, overdue, kind)
    actions = db.session.scalars(query.options(selectinload(CorrectiveAction.branch),
                                               selectinload(CorrectiveAction.staff)).limit(500)).all()
    page = render_template("actions/index.html", actions=actions, f=f, overdue=overdue, kind=kind, kinds=KINDS,
                           today=localtime.today())
    return page, 404 if f.unknown else 200


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
    return _show(visible_action(current_user, action_id))


def _show(action, problem=None, form=None):
    """Render an action: where it comes from (a failed item, or a customer's response), its steps and comments.

    After a refused step the page comes back with what was typed (`form`) and each field's problem.
    """
    origin = _customer_response(action) if action.kind == FOLLOW_UP else _failed_item(action)
    errors = {}
    for detail in details(problem.details) if problem is not None else []:
        errors.setdefault(detail.get("field") or detail.get("item") or "", []).append(detail["text"])
    return render_template("actions/show.html", action=action, today=localtime.today(), form=form or {},
                           errors=errors, **origin)


def _failed_item(action) -> dict:
    """Return the visit and, for those who may open it, the failed item's answer, note and photos."""
    visit = db.session.get(Visit, action.visit_id)
    item = None
    if access.can(current_user, "visit.view", visit):
        shown = visit_details(visit)
        item = {"item": shown["checklist"].item(action.item_id), "answer": shown["answers"].get(action.item_id),
                "outcome": shown["result"]["items"].get(action.item_id),
                "photos": shown["photos"].get(action.item_id, []), "staff_names": shown["staff_names"]}
    return {"visit": visit, "failed": item}


def _customer_response(action) -> dict:
    """Return the customer's response as a person reads it; its contact only with consent, to who calls back."""
    response = action.response
    checklist = frozen_checklist(response.checklist_version)
    answers = [(item, response.answers[item.id]) for _, item in checklist.items() if item.id in response.answers]
    contact = response.contact if access.can(current_user, "action.customer_contact", action) else None
    return {"response": response, "survey": checklist, "answers": answers, "contact": contact}


@bp.post("/actions/<id:action_id>")
@login_required
def update(action_id: int):
    action = visible_action(current_user, action_id)
    step, comment, note = request.form.get("step", ""), request.form.get("comment", ""), request.form.get("note", "")
    try:
        photo = _closing_photo(action, step)
        if step:  # refused before any file is written
            check_step(current_user, action, step, note, photo)
        # One transaction: a step that is refused does not leave its comment behind.
        with write_with_files(media_store(), [photo] if photo else []) as files:
            if comment.strip():
                add_comment(current_user, action, comment)
            if step:
                advance(current_user, action, step, note, photo, files)
    except (BadRequest, Conflict, Invalid) as problem:
        # The page comes back with what was typed, rather than a redirect that would lose it.
        with flashed_problems():
            raise problem
        chosen = bool(getattr(request.files.get("photo"), "filename", ""))
        typed = {"note": note, "comment": comment, "step": step, "photo_chosen": chosen}
        return _show(action, problem, typed), problem.status
    if step:
        flash(str(STEP_DONE[action.kind][step]), "info")
    elif comment.strip():
        flash(_("Your comment is saved."), "info")
    return redirect(url_for("actions.show", action_id=action_id))


@bp.get("/actions/<id:action_id>/evidence")
@login_required
def evidence(action_id: int):
    action = visible_action(current_user, action_id)
    response = send_photo(action.closing_photo) if action.closing_photo else None
    if response is None:
        raise NotFound("corrective action %(id)s has no evidence photo", id=action_id)
    return response


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
        raise Invalid("the photo %(file)s was refused: %(reason)s", file=upload.filename, reason=error) from None
