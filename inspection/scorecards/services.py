"""Build scorecards: the template context for visits, staff and branches, and cached visit PDFs."""

from __future__ import annotations

from datetime import date

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from .. import charts, localtime
from ..actions.models import CorrectiveAction
from ..appeals.services import appeal_of
from ..auth.models import User
from ..checklists import DIMENSIONS
from ..coverage.services import branch_coverage
from ..db import utcnow
from ..extensions import db, media_store
from ..labels import dimension_labels, role_label, servqual_legend
from ..lifecycle import UNFINISHED_ACTIONS
from ..org.models import Branch, Staff
from ..performance import reports, servqual
from ..performance.branches import branch_report
from ..performance.context import estimate_trend, staff_context
from ..photos.storage import thumbnail_name
from ..visits.models import Visit
from ..visits.services import visit_details
from .render import render_pdf, render_pdf_reporting, template_version

PDF_CACHE = "scorecards"  # media keys of cached visit PDFs: scorecards/<uuid>-v<version>-…pdf


def visit_context(visit: Visit, name_people: bool = True) -> dict:
    """Return everything the visit scorecard shows: the visit page's details, charts and who scored it."""
    details = visit_details(visit)
    checklist, result = details["checklist"], visit.result
    titles = {section.id: section.title for section in checklist.sections}
    section_chart = charts.bar_chart([(titles[row["id"]], row["score"]) for row in result["sections"]],
                                     str(_l("Section scores")), pass_mark=checklist.pass_mark)
    return {**details, "section_chart": section_chart, "dimension_chart": _dimension_chart(result),
            "submitter": _submitter_name(visit, name_people), "appeal": appeal_of(visit)}


def _dimension_chart(result: dict):
    labels = dimension_labels()
    present = [(name, result["dimensions"][name]) for name in DIMENSIONS if name in result["dimensions"]]
    if not present:
        return None
    if any(row["gap"] is not None for _, row in present):
        return charts.servqual_chart([(labels[name], row["expectation"], row["perception"]) for name, row in present],
                                     str(_l("SERVQUAL dimensions")), servqual_legend())
    return charts.bar_chart([(labels[name], row["score"]) for name, row in present], str(_l("Dimensions")))


def _submitter_name(visit: Visit, name_people: bool) -> str:
    """Return the scorer's name, or only their role where a shopper must stay unknown."""
    name, role = db.session.execute(select(User.name, User.role).where(User.id == visit.submitter_id)).one()
    return name if name_people else role_label(role)


def visit_media(visit: Visit) -> set[str]:
    """Return the photo files a visit's scorecard may embed: its own thumbnails only."""
    return {thumbnail_name(photo.stored_name) for photo in visit.photos}


def _visit_pdf_key(visit: Visit, name_people: bool) -> tuple[str, str]:
    """Return the media key of the visit's current PDF, and the prefix its copies in every language share."""
    appeal = appeal_of(visit)
    # An appeal filed or rejected leaves the version as it was, yet the scorecard prints its outcome.
    appealed = f"-{appeal.status}" if appeal is not None else ""
    current = f"{PDF_CACHE}/{visit.uuid}-v{visit.version}{appealed}-{template_version()[:16]}"
    # One copy per language and per audience: a shopper's name is printed only for those who may know it.
    return f"{current}-{get_locale()}-{'named' if name_people else 'anonymous'}.pdf", current


def cached_visit_pdf(visit: Visit, name_people: bool = True) -> bytes | None:
    """Return the visit's PDF if the cache holds its current version, else None."""
    return media_store().get(_visit_pdf_key(visit, name_people)[0])


def visit_pdf(visit: Visit, name_people: bool = True) -> bytes:
    """Return the visit's PDF, from the cache in the media store when neither the visit nor the templates changed."""
    store = media_store()
    key, current = _visit_pdf_key(visit, name_people)
    cached = store.get(key)
    if cached is not None:
        return cached
    pdf, missing = render_pdf_reporting("scorecards/visit.html", visit_media(visit),
                                        **visit_context(visit, name_people))
    if missing:  # printed without a photo whose file is lost: not kept, so a repaired file shows next time
        return pdf
    for stale in store.objects(f"{PDF_CACHE}/{visit.uuid}-"):
        if not stale.key.startswith(current + "-"):
            store.delete(stale.key)
    store.put(key, pdf)  # whole or not at all: a reader never sees half a file
    return pdf


def branch_pdf(branch: Branch, start: date, end: date) -> bytes:
    """Return a branch's scorecard for a period as PDF: on request, in bulk jobs and from the command line alike."""
    return render_pdf("scorecards/branch.html", set(), **branch_context(branch, start, end))


def staff_pdf(staff: Staff, start: date, end: date) -> bytes:
    """Return a staff member's scorecard for a period as PDF, the same wherever it is asked for."""
    return render_pdf("scorecards/staff.html", set(), **staff_context(staff, start, end))


def branch_context(branch: Branch, start: date, end: date) -> dict:
    """Return everything the branch scorecard shows for a period."""
    report = branch_report(branch, start, end)
    trend = sorted(report.months.items())
    ranked, unranked = report.ranking()
    actions = db.session.scalars(
        select(CorrectiveAction).where(CorrectiveAction.branch_id == branch.id,
                                       CorrectiveAction.status.in_(UNFINISHED_ACTIONS))
        .order_by(CorrectiveAction.due_date)).all()
    voices = servqual.by_source(start, end, [Branch.id == branch.id])  # shoppers' surveys and customers, apart
    return {"report": report, "ranked": ranked, "unranked": unranked, "actions": actions, "today": localtime.today(),
            "servqual": voices, "dimension_names": dimension_labels(),
            "coverage": branch_coverage(branch, start, end, utcnow(), localtime.zone()),
            "sections": reports.grouped_by_checklist(report.sections),
            "trend_chart": estimate_trend(trend, str(_l("Mean score by month")))}
