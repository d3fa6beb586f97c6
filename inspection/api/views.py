"""JSON API v1: checklists, branches, visit submission and visit reading."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, jsonify, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import HTTPException

from .. import access
from ..catalog.services import ChecklistUnavailable, checklist_for_submission, freeze, get_catalog
from ..checklists import AnswerError, canonical_json
from ..db import write_transaction
from ..extensions import csrf, db, login_manager
from ..org.models import Staff
from ..performance.reports import branch_report, staff_report, weakest
from ..performance.views import period, reportable_branch_or_404, reportable_staff_or_404
from ..photos.storage import write_with_files
from ..review.services import ReviewError, ReviewForbidden, TransitionRefused, resubmit, review
from ..visits.models import Visit
from ..visits.services import (
    SubmissionConflict,
    SubmissionError,
    SubmissionForbidden,
    SubmissionNotFound,
    submit_visit,
)
from ..visits.views import visit_json
from .payload import PayloadError, parse_visit
from .tokens import user_for_token

bp = Blueprint("api", __name__, url_prefix="/api/v1")
PROBLEM_TEXTS = {
    "required": _l("An answer is required."),
    "invalid": _l("This answer is not valid."),
    "na_not_allowed": _l("N/A is not allowed for this item."),
    "unknown_item": _l("This checklist has no such item."),
    "unknown_staff": _l("Choose an active staff member of this branch."),
    "photo_not_allowed": _l("This item takes no photos."),
    "photo_required": _l("A photo is required."),
    "photo_required_on_fail": _l("A photo is required when the standard is not met."),
    "photo_refused": _l("Photo refused: %(reason)s"),
}
# Token requests carry no cookie, so no CSRF risk; session requests are checked in before_request.
csrf.exempt(bp)


@login_manager.request_loader
def load_user_from_bearer(req):
    """Sign in API calls that carry `Authorization: Bearer <token>`."""
    header = req.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return user_for_token(header[len("Bearer "):].strip())
    return None


@bp.before_request
def require_user():
    if not current_user.is_authenticated:
        return error(401, "sign in, or send Authorization: Bearer <token>")
    bearer = request.headers.get("Authorization", "").startswith("Bearer ")
    unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
    if not bearer and unsafe and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()  # a browser session must send the X-CSRFToken header
    return None


def error(status: int, message: str, details: list | None = None):
    """Return the API's error body: {"error", "details"}."""
    return jsonify({"error": message, "details": details or []}), status


@bp.errorhandler(HTTPException)
def http_error(exc: HTTPException):
    return error(exc.code or 500, exc.description or exc.name)


@bp.get("/checklists")
def checklists():
    allowed = access.listable_kinds(current_user)
    return jsonify([
        {"id": c.id, "title": c.title, "kind": c.kind, "version": c.version, "items": len(c.items())}
        for c in get_catalog().checklists.values() if c.kind in allowed
    ])


@bp.get("/checklists/<checklist_id>")
def checklist(checklist_id: str):
    found = get_catalog().checklists.get(checklist_id)
    if found is None or found.kind not in access.listable_kinds(current_user):
        return error(404, f"no checklist '{checklist_id}'")
    freeze_served(found)
    return current_app.response_class(
        '{"version":"%s","checklist":%s}' % (found.version, canonical_json(found)), mimetype="application/json")


def freeze_served(found) -> None:
    """Store the version a client may later submit against, so that it can be scored with it."""
    with write_transaction():
        freeze(found)


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


# What each refusal of a service means in HTTP; the transaction has already been rolled back.
STATUS_OF = {
    ReviewError: 400, SubmissionForbidden: 403, ReviewForbidden: 403, SubmissionNotFound: 404,
    ChecklistUnavailable: 404, SubmissionConflict: 409, TransitionRefused: 409,
}


@bp.errorhandler(PayloadError)
def payload_error(exc: PayloadError):
    return error(exc.status, str(exc), _item_details(exc.details))


@bp.errorhandler(AnswerError)
def answer_error(exc: AnswerError):
    return error(422, "some answers cannot be scored", _item_details(exc.problems))


@bp.errorhandler(SubmissionError)
def submission_error(exc: SubmissionError):
    return error(422, str(exc), _item_details(exc.problems))


def refused(exc: Exception):
    return error(STATUS_OF[type(exc)], str(exc))


for _refusal in STATUS_OF:
    bp.register_error_handler(_refusal, refused)


@bp.post("/visits")
def create_visit():
    payload, submission = parse_visit(request)
    checklist = checklist_for_submission(payload.checklist, payload.version)
    with write_with_files(current_app.config["MEDIA_DIR"]) as files:
        visit, created = submit_visit(current_user, checklist, submission, files)
    return jsonify(_summary(visit)), 201 if created else 200


def _item_details(problems: list) -> list[dict]:
    """Describe each problem: a stable message and code, and a text in the user's language."""
    details = []
    for problem in problems:
        if isinstance(problem, dict):
            details.append(problem)
            continue
        text = PROBLEM_TEXTS.get(problem.code)
        details.append({"item": problem.item, "code": problem.code, "message": problem.message,
                        "text": str(text) % {"reason": problem.message} if text else problem.message})
    return details


def _summary(visit: Visit) -> dict:
    return {"id": str(visit.uuid), "score": visit.result["score"], "passed": visit.passed,
            "rating": visit.rating, "url": url_for("visits.show", visit_uuid=visit.uuid)}


@bp.post("/visits/<visit_uuid>/review")
def review_visit(visit_uuid: str):
    visit = _visible_visit(visit_uuid)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("action"), str):
        return error(400, 'send {"action": "start" | "release" | "return", "comment", "item_comments"}')
    comments = body.get("item_comments") or {}
    if not isinstance(comments, dict) or not all(isinstance(v, str) for v in comments.values()):
        return error(400, "item_comments must map item ids to text")
    with write_transaction():
        event = review(current_user, visit, body["action"], str(body.get("comment") or ""), comments)
    return jsonify({**_summary(visit), "status": visit.status, "version": visit.version,
                    "event": {"action": event.action, "from": event.from_status, "to": event.to_status}})


@bp.put("/visits/<visit_uuid>")
def correct_visit(visit_uuid: str):
    visit = _visible_visit(visit_uuid)
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("answers"), dict):
        return error(400, 'send {"answers": {...}, "notes": {...}}')
    notes = body.get("notes") or {}
    with write_transaction():
        resubmit(current_user, visit, body["answers"], notes if isinstance(notes, dict) else {})
    return jsonify({**_summary(visit), "status": visit.status, "version": visit.version})


@bp.get("/staff/<code>/performance")
def staff_performance(code: str):
    member = reportable_staff_or_404(code)
    start, end = period()
    report = staff_report(member, start, end)
    return jsonify({
        "staff": member.code, "from": start.isoformat(), "to": end.isoformat(),
        "visits": report.total.count, "earned": report.total.earned, "possible": report.total.possible,
        "score": _rounded(report.total.score), "ranked": report.ranked, "minimum_sample": report.minimum,
        "trend": [{"month": month, "visits": t.count, "score": _rounded(t.score)}
                  for month, t in sorted(report.months.items())],
        "dimensions": {name: _rounded(t.score) for name, t in report.dimensions.items()},
        "weakest_items": _weakest_json(report.weakest()),
    })


@bp.get("/branches/<code>/performance")
def branch_performance(code: str):
    branch = reportable_branch_or_404(code)
    start, end = period()
    report = branch_report(branch, start, end)
    earned = sum(row["earned"] for visit in report.visits for row in visit.result["sections"])
    possible = sum(row["possible"] for visit in report.visits for row in visit.result["sections"])
    ranked, unranked = report.ranking()
    return jsonify({
        "branch": branch.code, "from": start.isoformat(), "to": end.isoformat(), "visits": len(report.visits),
        "score": _rounded(100 * earned / possible if possible else None), "mean_visit_score": _rounded(report.mean_score),
        "ranked": len(report.visits) >= report.minimum,
        "trend": [{"month": month, "visits": len(scores), "score": _rounded(sum(scores) / len(scores))}
                  for month, scores in sorted(report.months.items())],
        "staff": [{"code": s.code, "visits": t.count, "score": _rounded(t.score), "ranked": s in dict(ranked)}
                  for s, t in ranked + unranked],
        "weakest_items": _weakest_json(weakest(report.items)),
        "critical_failures": [{"checklist": c, "text": text, "times": n}
                              for (c, text), n in sorted(report.critical.items(), key=lambda kv: -kv[1])],
    })


def _weakest_json(figures) -> list[dict]:
    return [{"checklist": f.checklist, "text": f.text, "times": f.tally.count, "earned": f.tally.earned,
             "possible": f.tally.possible, "score": _rounded(f.tally.score)} for f in figures]


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


@bp.get("/visits/<visit_uuid>")
def get_visit(visit_uuid: str):
    visit = _visible_visit(visit_uuid)
    return jsonify({**_summary(visit), **visit_json(visit), "version": visit.version})


def _visible_visit(visit_uuid: str) -> Visit:
    """Return the visit if the caller may see it; otherwise 404 (ids outside one's scope leak nothing)."""
    try:
        key = uuid.UUID(visit_uuid)
    except ValueError:
        abort(404, f"no visit {visit_uuid}")
    visit = db.session.scalar(select(Visit).where(Visit.uuid == key))
    if visit is None or not access.can_view_visit(current_user, visit):
        abort(404, f"no visit {visit_uuid}")
    return visit
