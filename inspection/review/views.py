"""The visit page with its review trail, review steps, version differences and the correction form."""

from __future__ import annotations

import json
import uuid

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import select

from .. import access
from ..actions.models import CorrectiveAction
from ..appeals.services import appeal_of, appeal_until
from ..catalog.services import frozen_checklist
from ..checklists import canonical_json
from ..db import write_transaction
from ..extensions import db
from ..integrity.services import reasons
from ..lifecycle import VisitAction
from ..problems import NotFound
from ..visits.serializers import visit_json
from ..visits.services import load_trail, visible_visit, visit_details
from ..visits.trail import latest_return
from ..web.requests import flashed_problems
from .services import released_version, review, revision_diff

bp = Blueprint("review", __name__)
# What the page says once a review step is taken.
STEP_DONE = {
    VisitAction.START: _l("Review started: the visit is yours to release or return."),
    VisitAction.RELEASE: _l("The visit is released: its score counts, and its submitter is told."),
    VisitAction.RETURN: _l("The visit is returned to its submitter for correction."),
}


@bp.get("/visits/<uuid:visit_uuid>")
@login_required
def show(visit_uuid: uuid.UUID):
    visit = visible_visit(current_user, visit_uuid)
    load_trail(visit)
    actions = {action.item_id: action for action in db.session.scalars(
        select(CorrectiveAction).where(CorrectiveAction.visit_id == visit.id))}
    integrity = None
    if visit.trust is not None and access.can(current_user, "visit.integrity", visit):
        integrity = reasons(current_user, visit)
    return render_template("visits/show.html", **visit_details(visit), actions=actions,
                           last_return=latest_return(visit), appeal=appeal_of(visit),
                           appeal_until=appeal_until(current_user, visit), integrity=integrity)


@bp.post("/visits/<uuid:visit_uuid>/review")
@login_required
def review_step(visit_uuid: uuid.UUID):
    visit = visible_visit(current_user, visit_uuid)
    item_comments = {key[len("comment."):]: value for key, value in request.form.items()
                     if key.startswith("comment.") and value.strip()}
    step = request.form.get("action", "")
    with flashed_problems():
        with write_transaction():
            review(current_user, visit, step, request.form.get("comment", ""), item_comments)
        flash(str(STEP_DONE[step]), "info")
    return redirect(url_for("review.show", visit_uuid=visit_uuid))


@bp.get("/visits/<uuid:visit_uuid>/diff")
@login_required
def diff(visit_uuid: uuid.UUID):
    visit = visible_visit(current_user, visit_uuid)
    first = 1 if access.can(current_user, "visit.review_trail", visit) else released_version(visit)
    older = request.args.get("from", first, type=int)
    newer = request.args.get("to", visit.version, type=int)
    if older < first:
        raise NotFound("visit %(uuid)s has versions %(versions)s", uuid=visit.uuid,
                       versions=list(range(first, visit.version + 1)))
    return render_template("review/diff.html", visit=visit, diff=revision_diff(visit, older, newer),
                           checklist=frozen_checklist(visit.checklist_version))


@bp.get("/visits/<uuid:visit_uuid>/correct")
@login_required
def correct(visit_uuid: uuid.UUID):
    visit = visible_visit(current_user, visit_uuid)
    if not access.can(current_user, "visit.resubmit", visit):
        raise NotFound("visit %(uuid)s is not waiting for your corrections", uuid=visit_uuid)
    checklist = frozen_checklist(visit.checklist_version)
    prefill = {key: value for key, value in visit_json(visit).items()
               if key in ("answers", "notes", "photos", "started_at", "finished_at")}
    return render_template("visits/form.html", checklist=checklist, checklist_json=canonical_json(checklist),
                           correcting=visit, last_return=latest_return(visit),
                           prefill_json=json.dumps(prefill, ensure_ascii=False))
