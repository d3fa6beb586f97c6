"""Scorecard pages (HTML preview with a print button) and their PDFs."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.utils import secure_filename

from .. import access
from ..db import write_transaction
from ..jobs.queue import uses_rq
from ..performance.context import staff_context
from ..performance.lookups import reportable_branch, reportable_staff
from ..visits.services import visible_visit
from ..web.requests import period
from .bulk import submit_bulk
from .services import branch_context, branch_pdf, cached_visit_pdf, staff_pdf, visit_context, visit_pdf
from .tasks import submit_visit_scorecard

bp = Blueprint("scorecards", __name__)


def _pdf(data: bytes, name: str) -> Response:
    # Codes made before the import applied the form's rules may hold quotes: never let them reach the header.
    filename = secure_filename(name) or "scorecard"
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{filename}.pdf"', "Cache-Control": "private"})


@bp.get("/visits/<uuid:visit_uuid>/scorecard")
@login_required
def visit_preview(visit_uuid: uuid.UUID):
    visit = visible_visit(current_user, visit_uuid)
    back = {"url": url_for("review.show", visit_uuid=visit.uuid), "label": _("Back to the visit")}
    return render_template("scorecards/visit.html", pdf=False, back=back,
                           **visit_context(visit, access.can(current_user, "visit.identify_people", visit)))


@bp.get("/visits/<uuid:visit_uuid>/scorecard.pdf")
@login_required
def visit_download(visit_uuid: uuid.UUID):
    """Send the visit's PDF; with a queue (RQ), one not printed yet is made by a worker while the user waits."""
    visit = visible_visit(current_user, visit_uuid)
    name_people = access.can(current_user, "visit.identify_people", visit)
    if uses_rq(current_app):
        pdf = cached_visit_pdf(visit, name_people)
        if pdf is None:
            with write_transaction():
                job = submit_visit_scorecard(current_user, visit, name_people)
            return redirect(url_for("jobs.show", job_id=job.id))
    else:
        pdf = visit_pdf(visit, name_people)
    return _pdf(pdf, f"scorecard-{visit.uuid}")


@bp.get("/staff/<code>/scorecard")
@login_required
def staff_preview(code: str):
    member = reportable_staff(current_user, code)
    start, end = period()
    back = {"url": url_for("performance.staff", code=member.code, **{"from": start, "to": end}),
            "label": _("Back to the staff page")}
    return render_template("scorecards/staff.html", pdf=False, back=back, **staff_context(member, start, end))


@bp.get("/staff/<code>/scorecard.pdf")
@login_required
def staff_download(code: str):
    staff = reportable_staff(current_user, code)
    return _pdf(staff_pdf(staff, *period()), f"staff-{code}")


@bp.get("/branches/<code>/scorecard")
@login_required
def branch_preview(code: str):
    branch = reportable_branch(current_user, code)
    start, end = period()
    back = {"url": url_for("performance.overview", branch=branch.code, **{"from": start, "to": end}),
            "label": _("Back to performance")}
    return render_template("scorecards/branch.html", pdf=False, back=back, **branch_context(branch, start, end))


@bp.get("/branches/<code>/scorecard.pdf")
@login_required
def branch_download(code: str):
    branch = reportable_branch(current_user, code)
    return _pdf(branch_pdf(branch, *period()), f"branch-{code}")


@bp.post("/scorecards/bulk")
@login_required
def bulk():
    """Ask for every branch or staff scorecard of a period and region in one ZIP; follow it on the job's page."""
    start, end = period()  # in the form's address, so that a bad date is refused as on every report
    with write_transaction():
        job = submit_bulk(current_user, request.form.get("kind", ""), start, end,
                          request.form.get("region", "").strip())
    return redirect(url_for("jobs.show", job_id=job.id))
