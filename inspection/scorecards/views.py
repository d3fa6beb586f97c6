"""Scorecard pages (HTML preview with a print button) and their PDFs."""

from __future__ import annotations

import uuid

from flask import Blueprint, Response, render_template, url_for
from flask_login import login_required

from ..performance.views import period, reportable_branch_or_404, reportable_staff_or_404
from ..photos.storage import thumbnail_name
from ..visits.views import visible_visit_or_404
from .render import internal_url, render_pdf
from .services import branch_context, staff_context, visit_context, visit_pdf

bp = Blueprint("scorecards", __name__)


@bp.app_template_global()
def scorecard_static(name: str, pdf: bool) -> str:
    """Return a static file's address for the browser, or for WeasyPrint's restricted fetcher."""
    return internal_url("static", name) if pdf else url_for("static", filename=name)


@bp.app_template_global()
def scorecard_photo(photo, pdf: bool) -> str:
    """Return a photo thumbnail's address for the browser, or for WeasyPrint's restricted fetcher."""
    name = thumbnail_name(photo.stored_name)
    return internal_url("media", name) if pdf else url_for("visits.photo", name=name)


def _pdf(data: bytes, name: str) -> Response:
    return Response(data, mimetype="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="{name}.pdf"', "Cache-Control": "private"})


@bp.get("/visits/<uuid:visit_uuid>/scorecard")
@login_required
def visit_preview(visit_uuid: uuid.UUID):
    return render_template("scorecards/visit.html", pdf=False, **visit_context(visible_visit_or_404(visit_uuid)))


@bp.get("/visits/<uuid:visit_uuid>/scorecard.pdf")
@login_required
def visit_download(visit_uuid: uuid.UUID):
    visit = visible_visit_or_404(visit_uuid)
    return _pdf(visit_pdf(visit), f"scorecard-{visit.uuid}")


@bp.get("/staff/<code>/scorecard")
@login_required
def staff_preview(code: str):
    return render_template("scorecards/staff.html", pdf=False, **staff_context(reportable_staff_or_404(code), *period()))


@bp.get("/staff/<code>/scorecard.pdf")
@login_required
def staff_download(code: str):
    staff = reportable_staff_or_404(code)
    return _pdf(render_pdf("scorecards/staff.html", set(), **staff_context(staff, *period())), f"staff-{code}")


@bp.get("/branches/<code>/scorecard")
@login_required
def branch_preview(code: str):
    return render_template("scorecards/branch.html", pdf=False, **branch_context(reportable_branch_or_404(code), *period()))


@bp.get("/branches/<code>/scorecard.pdf")
@login_required
def branch_download(code: str):
    branch = reportable_branch_or_404(code)
    return _pdf(render_pdf("scorecards/branch.html", set(), **branch_context(branch, *period())), f"branch-{code}")
