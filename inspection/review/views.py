"""Review pages: review steps from the visit page, version differences, and the correction form."""

from __future__ import annotations

import json
import uuid

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..catalog.services import frozen_checklist
from ..checklists import canonical_json
from ..db import write_transaction
from ..org.services import active_staff
from ..visits.views import visible_visit_or_404
from .services import ReviewError, ReviewForbidden, TransitionRefused, review, revision_diff

bp = Blueprint("review", __name__)


@bp.post("/visits/<uuid:visit_uuid>/review")
@login_required
def review_step(visit_uuid: uuid.UUID):
    visit = visible_visit_or_404(visit_uuid)
    item_comments = {key[len("comment."):]: value for key, value in request.form.items()
                     if key.startswith("comment.") and value.strip()}
    try:
        with write_transaction():
            review(current_user, visit, request.form.get("action", ""), request.form.get("comment", ""),
                   item_comments)
    except ReviewForbidden:
        abort(403)
    except (TransitionRefused, ReviewError) as error:
        flash(str(error), "error")
    return redirect(url_for("visits.show", visit_uuid=visit.uuid))


@bp.get("/visits/<uuid:visit_uuid>/diff")
@login_required
def diff(visit_uuid: uuid.UUID):
    visit = visible_visit_or_404(visit_uuid)
    older = request.args.get("from", 1, type=int)
    newer = request.args.get("to", visit.version, type=int)
    try:
        changes = revision_diff(visit, older, newer)
    except LookupError:
        abort(404)
    return render_template("review/diff.html", visit=visit, diff=changes,
                           checklist=frozen_checklist(visit.checklist_version))


@bp.get("/visits/<uuid:visit_uuid>/correct")
@login_required
def correct(visit_uuid: uuid.UUID):
    visit = visible_visit_or_404(visit_uuid)
    if visit.submitter_id != current_user.id or visit.status != "returned":
        abort(404)
    checklist = frozen_checklist(visit.checklist_version)
    staff = active_staff(visit.branch)
    prefill = {"answers": {a.item_id: a.value for a in visit.answers if a.value is not None},
               "notes": {a.item_id: a.note for a in visit.answers if a.note}}
    flash(_("Correct the items the reviewer commented on, then submit again."), "info")
    return render_template("visits/form.html", checklist=checklist, branch=visit.branch, staff=staff,
                           checklist_json=canonical_json(checklist), correcting=visit,
                           prefill_json=json.dumps(prefill, ensure_ascii=False))
