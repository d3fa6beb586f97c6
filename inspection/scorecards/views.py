"""Scorecard pages (HTML preview with a print button) and their PDFs."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.utils import secure_filename

from .. import access
from ..performance.context import staff_context
from ..performance.lookups import reportable_branch, reportable_staff
from ..visits.services import visible_visit
from ..web.requests import period
from .render import render_pdf
from .services import branch_context, visit_context, visit_pdf

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
    visit = visible_visit(current_user, visit_uuid)
    return _pdf(visit_pdf(visit, access.can(current_user, "visit.identify_people", visit)), f"scorecard-{visit.uuid}")


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
    return _pdf(render_pdf("scorecards/staff.html", set(), **staff_context(staff, *period())), f"staff-{code}")


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
    return _pdf(render_pdf("scorecards/branch.html", set(), **branch_context(branch, *period())), f"branch-{code}")
