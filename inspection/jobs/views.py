"""A job's page (its progress, then its file), its status for the page's script, its download; admins' list."""

from __future__ import annotations

import mimetypes

from flask import Blueprint, abort, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from .. import access
from ..db import write_transaction
from ..extensions import db
from ..problems import Conflict, NotFound
from ..web.requests import flashed_problems
from . import outputs, services
from .models import Job, JobKind, JobStatus

bp = Blueprint("jobs", __name__)
KIND_LABELS = {
    JobKind.BULK_SCORECARDS: _l("Scorecards in one ZIP"), JobKind.BULK_PART: _l("Part of a bulk scorecard job"),
    JobKind.BULK_ZIP: _l("ZIP of a bulk scorecard job"), JobKind.VISIT_SCORECARD: _l("Visit scorecard"),
    JobKind.EXPORT: _l("Export"), JobKind.MAIL: _l("Notification e-mails"), JobKind.PLAN: _l("Plan"),
}
STATUS_LABELS = {JobStatus.QUEUED: _l("Waiting for its turn"), JobStatus.RUNNING: _l("Under way"),
                 JobStatus.DONE: _l("Done"), JobStatus.FAILED: _l("Failed to finish")}


def _message(job: Job) -> str | None:
    """Say why a failed job failed, in the reader's language: the problem it met, else that admins know more."""
    if job.status != JobStatus.FAILED:
        return None
    if job.problem:
        template = job.problem["template"]  # a catalogue key: the problem's English template
        return _(template, **job.problem["params"])
    return _("It failed, also when tried again. An administrator can see why.")


def _state(job: Job) -> dict:
    """Return what the page shows of the job, also sent to its script as JSON."""
    done, total = services.progress(job)
    ready = job.status == JobStatus.DONE and job.result is not None
    expired = job.status == JobStatus.DONE and job.result is None and job.link is None
    return {"status": job.status.value, "state": str(STATUS_LABELS[job.status]), "done": done, "total": total,
            "count": _("%(done)d of %(total)d", done=done, total=total) if total else "",
            "download": url_for("jobs.download", job_id=job.id) if ready else None,
            "link": job.link if job.status == JobStatus.DONE else None,
            "expired": _("Its file was deleted after a while: ask for it again.") if expired else None,
            "message": _message(job)}


@bp.get("/jobs/<job_id>")
@login_required
def show(job_id: str):
    job = services.visible_job(current_user, job_id)
    return render_template("jobs/show.html", job=job, title=KIND_LABELS[job.kind], state=_state(job))


@bp.get("/jobs/<job_id>/status")
@login_required
def status(job_id: str):
    return _state(services.visible_job(current_user, job_id))


@bp.get("/jobs/<job_id>/download")
@login_required
def download(job_id: str):
    job = services.visible_job(current_user, job_id)
    if job.status != JobStatus.DONE:
        raise Conflict("the job is not done yet")
    handle = outputs.open_output(job.result) if job.result else None
    if handle is None:
        raise NotFound("the job's file was deleted after a while: ask for it again")
    name = job.filename or "download"
    return send_file(handle, mimetype=mimetypes.guess_type(name)[0] or "application/octet-stream",
                     as_attachment=not name.endswith(".pdf"), download_name=name)


@bp.get("/admin/jobs")
@login_required
def admin():
    if not access.can(current_user, "jobs.admin"):
        abort(403)
    return render_template("jobs/admin.html", recent=services.recent(), failures=services.failures(),
                           kinds=KIND_LABELS, statuses=STATUS_LABELS)


@bp.post("/admin/jobs/<job_id>/retry")
@login_required
def retry(job_id: str):
    if not access.can(current_user, "jobs.admin"):
        abort(403)
    job = db.session.get(Job, job_id)
    if job is None:
        abort(404)
    with flashed_problems():
        with write_transaction():
            queued = services.retry(current_user, job)
        flash(_("Tried again: %(count)d jobs queued.", count=len(queued)), "info")
    return redirect(url_for("jobs.admin"))
