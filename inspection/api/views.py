"""JSON API v1: checklists, branches, visit submission, review and correction, performance."""

from __future__ import annotations

from flask import Blueprint, current_app, g, jsonify, request, url_for
from flask_login import current_user
from sqlalchemy import select

from .. import access, localtime
from ..calibration.services import evaluator_names, evaluator_numbers, results, visible_exercise
from ..catalog.services import checklist_for_submission, get_catalog
from ..checklists import canonical_json
from ..coverage.services import coverage
from ..db import utcnow, write_transaction
from ..extensions import csrf, db, login_manager, media_store
from ..lifecycle import VisitAction
from ..org.models import Staff
from ..performance.branches import branch_report
from ..performance.lookups import reportable_branch, reportable_staff
from ..performance.reports import staff_report
from ..photos.storage import write_with_files
from ..plans import fieldwork, listing
from ..plans.services import assign
from ..problems import BadRequest, Forbidden, NotFound, Unauthorized
from ..review.correction import Correction, already_stored, check_correction, correction_fingerprint, resubmit
from ..review.services import review
from ..visits.serializers import visit_json, visit_summary
from ..visits.services import Submission, fingerprint, retry_of, stored_visit, visible_visit
from ..web.requests import month_period, optional_period, page_number, period
from .assignments import AssignmentPayload, assignment_json, coverage_json
from .calibrations import calibration_json
from .openapi import document
from .payload import CorrectionPayload, VisitPayload, json_body, process_photos, read_body, read_uploads, validated
from .performance import branch_json, staff_json
from .tokens import user_for_token

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Token requests carry no cookie, so no CSRF risk; session requests are checked in before_request.
csrf.exempt(bp)
ASSIGNMENTS_PAGE = 200


@login_manager.request_loader
def load_user_from_bearer(req):
    """Sign in API calls that carry `Authorization: Bearer <token>`."""
    header = req.headers.get("Authorization", "")
    user = user_for_token(header[len("Bearer "):].strip()) if header.startswith("Bearer ") else None
    g.signed_in_by_token = user is not None
    return user


@bp.before_request
def require_user():
    if request.endpoint == "api.openapi":
        return None  # the API's description is public
    if not current_user.is_authenticated:
        raise Unauthorized("sign in, or send Authorization: Bearer <token>")
    unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
    # Only a valid token spares the CSRF check: a browser session with any Authorization header does not.
    if unsafe and not g.get("signed_in_by_token") and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()  # a browser session must send the X-CSRFToken header


@bp.get("/checklists")
def checklists():
    return jsonify([
        {"id": c.id, "title": c.title, "kind": c.kind, "version": c.version, "items": len(c.items())}
        for c in get_catalog().checklists.values() if access.can(current_user, "checklist.read", c)
    ])


@bp.get("/checklists/<checklist_id>")
def checklist(checklist_id: str):
    found = get_catalog().checklists.get(checklist_id)
    if found is None or not access.can(current_user, "checklist.read", found):
        raise NotFound("no checklist '%(id)s'", id=checklist_id)
    # Nothing is written here: the catalog froze this version when it loaded it.
    return current_app.response_class(
        '{"version":"%s","checklist":%s}' % (found.version, canonical_json(found)), mimetype="application/json")


@bp.get("/branches")
def branches():
    rows = db.session.scalars(access.scoped_branches(current_user)).all()
    staff = db.session.scalars(
        select(Staff).where(Staff.active, Staff.branch_id.in_([b.id for b in rows])).order_by(Staff.code)
    ).all()
    by_branch: dict[int, list] = {}
    for member in staff:
        by_branch.setdefault(member.branch_id, []).append(
            {"code": member.code, "name": member.name, "position": member.position})
    return jsonify([{"code": b.code, "name": b.name, "region": b.region, "address": b.address,
                     "staff": by_branch.get(b.id, [])} for b in rows])


@bp.post("/visits")
def create_visit():
    data, parts = read_body(request)
    payload = validated(VisitPayload, data)
    existing = stored_visit(payload.id)
    if existing is None:  # a new visit: its scope is checked before any photo is read
        checklist = checklist_for_submission(payload.checklist, payload.version)
        fieldwork.check_may_submit(current_user, checklist, payload.branch, payload.assignment)
    uploads = read_uploads(parts)
    # A retry is recognised from the bytes sent, before anything is decoded or checked again.
    content_sha256 = fingerprint(payload.checklist, payload.branch, payload.started_at, payload.finished_at,
                                 payload.answers, payload.notes, [(u.item_id, u.sha256) for u in uploads],
                                 payload.assignment)
    if existing is not None:
        return jsonify(visit_summary(retry_of(current_user, existing, content_sha256, payload.version))), 200
    submission = Submission(
        uuid=payload.id, checklist_id=payload.checklist, branch_code=payload.branch,
        started_at=payload.started_at, finished_at=payload.finished_at, answers=payload.answers,
        notes=payload.notes, photos=process_photos(uploads), version=payload.version, assignment=payload.assignment,
    )
    checked = fieldwork.check_submission(current_user, checklist, submission)  # every problem before any file
    # What was just checked is stored as checked: the user, branch and staff read for it are not read again.
    with write_with_files(media_store(), [photo for _, photo in submission.photos], reload=False) as files:
        visit, created = fieldwork.submit(current_user, checklist, submission, files, checked)
        summary = visit_summary(visit)  # before the commit, after which the visit would be read again
    return jsonify(summary), 201 if created else 200


@bp.get("/visits/<visit_uuid>")
def get_visit(visit_uuid: str):
    visit = visible_visit(current_user, visit_uuid)
    body = visit_json(visit)
    if access.can(current_user, "visit.integrity", visit):  # reviewers: the trust score and its signals
        body.update(trust=visit.trust, integrity=visit.integrity)
    return jsonify(body)


@bp.post("/visits/<visit_uuid>/review")
def review_visit(visit_uuid: str):
    visit = visible_visit(current_user, visit_uuid)
    body = json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("action"), str):
        raise BadRequest('send {"action": "start" | "release" | "return", "comment", "item_comments"}')
    comment, comments = body.get("comment", ""), body.get("item_comments") or {}
    if comment is None:
        comment = ""
    if not isinstance(comment, str):
        raise BadRequest("comment must be text")
    if not isinstance(comments, dict) or not all(isinstance(v, str) for v in comments.values()):
        raise BadRequest("item_comments must map item ids to text")
    with write_transaction():
        event = review(current_user, visit, body["action"], comment, comments)
    return jsonify({**visit_summary(visit), "status": visit.status, "version": visit.version,
                    "event": {"action": event.action, "from": event.from_status, "to": event.to_status}})


@bp.put("/visits/<visit_uuid>")
def correct_visit(visit_uuid: str):
    visit = visible_visit(current_user, visit_uuid)
    data, parts = read_body(request)
    payload = validated(CorrectionPayload, data)
    access.require_party(current_user, "visit.resubmit", visit)  # before any photo is read
    uploads = read_uploads(parts)
    correction = Correction(answers=payload.answers, notes=payload.notes, started_at=payload.started_at,
                            finished_at=payload.finished_at, keep_photos=_kept(payload))
    if already_stored(current_user, visit, correction_fingerprint(correction, [(u.item_id, u.sha256)
                                                                                for u in uploads])):
        return jsonify({**visit_summary(visit), "status": visit.status, "version": visit.version, "changed": False})
    access.require_step(current_user, "visit", VisitAction.RESUBMIT, visit)  # returned, before decoding anything
    correction.photos = process_photos(uploads)
    check_correction(current_user, visit, correction)  # every problem before any file is written
    with write_with_files(media_store(), [photo for _, photo in correction.photos]) as files:
        visit, changed = resubmit(current_user, visit, correction, files)
    return jsonify({**visit_summary(visit), "status": visit.status, "version": visit.version, "changed": changed})


def _kept(payload: CorrectionPayload) -> list[tuple[str, str]] | None:
    if payload.keep_photos is None:
        return None
    return [(photo.item, photo.name) for photo in payload.keep_photos]


@bp.get("/staff/<code>/performance")
def staff_performance(code: str):
    member = reportable_staff(current_user, code)
    start, end = period()
    return jsonify(staff_json(staff_report(member, start, end)))


@bp.get("/branches/<code>/performance")
def branch_performance(code: str):
    branch = reportable_branch(current_user, code)
    start, end = period()
    return jsonify(branch_json(branch_report(branch, start, end, items=True)))


@bp.post("/assignments")
def create_assignment():
    access.require(current_user, "plans.manage")  # before any name is looked up: nothing leaks to others
    draft = validated(AssignmentPayload, json_body(request)).draft()
    with write_transaction():
        assignment = assign(current_user, draft)
    return jsonify(assignment_json(assignment, utcnow())), 201


@bp.get("/assignments")
def list_assignments():
    filters = listing.Filters(state=request.args.get("status", ""))
    filters.start, filters.end = optional_period()
    filters.check()
    page = page_number()
    rows, total = listing.assignments(current_user, filters, utcnow(), localtime.zone(), page, ASSIGNMENTS_PAGE)
    response = jsonify([assignment_json(row, utcnow()) for row in rows])
    if page * ASSIGNMENTS_PAGE < total:
        following = url_for("api.list_assignments", **{**request.args, "page": page + 1})
        response.headers["Link"] = f'<{following}>; rel="next"'
    response.headers["X-Total-Count"] = str(total)
    return response


@bp.get("/coverage")
def coverage_report():
    access.require(current_user, "coverage.view")
    start, end = month_period()
    rows = coverage(current_user, start, end, request.args.get("region") or None, utcnow(), localtime.zone())
    return jsonify({"from": start.isoformat(), "to": end.isoformat(), "branches": [coverage_json(r) for r in rows]})


@bp.get("/calibrations/<calibration_id>")
def get_calibration(calibration_id: str):
    number = int(calibration_id) if calibration_id.isascii() and calibration_id.isdigit() else 0
    if not 1 <= number < 2**31:
        raise NotFound("no calibration exercise %(id)s", id=calibration_id[:20])
    exercise = visible_exercise(current_user, number)
    if not access.can(current_user, "calibration.results", exercise):
        raise Forbidden("an evaluator sees the results once the exercise is closed")
    return jsonify(calibration_json(exercise, results(exercise), evaluator_names(current_user, exercise),
                                    evaluator_numbers(exercise)))


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
