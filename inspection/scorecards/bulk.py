"""Bulk scorecards: every branch or staff scorecard of a period (and region) in one ZIP, made by a job.

The job is split into parts (batches of scorecards), each its own queued job, so that several workers share
one bulk job; each part prints with the same function as a scorecard asked for on its own. The last part to
finish queues the ZIP's assembly: parts are recorded done one at a time, each holding the bulk job's row, so
the last one sees every other done (and the ZIP's key makes it one job all the same). A scorecard already
stored by an earlier attempt is kept as it is, so a part run twice leaves the same files and the same ZIP.
"""

from __future__ import annotations

import zipfile
from datetime import date

from flask import current_app
from flask_babel import get_locale
from sqlalchemy import func, select
from werkzeug.utils import secure_filename

from .. import access, localtime
from ..auth.models import User
from ..extensions import db
from ..jobs import outputs
from ..jobs.models import Job, JobKind, JobStatus
from ..jobs.registry import Result, task, warm_up
from ..jobs.runner import finish_parent, report_progress
from ..jobs.services import request_key, submit
from ..org.models import Branch, Staff
from ..performance.lookups import reportable_branch, reportable_staff
from ..problems import BadRequest
from .render import warm_up_pdf
from .services import branch_pdf, staff_pdf

KINDS = ("branch", "staff")
ZIP_NAME = "scorecards.zip"

warm_up(warm_up_pdf)


def targets(actor: User, kind: str, region: str) -> list[str]:
    """Return the codes of the branches (or their active staff) of the region whose scorecards the user reads."""
    query = access.scoped_branches(actor).where(Branch.region == region) if region else access.scoped_branches(actor)
    branches = [branch for branch in db.session.scalars(query) if access.can(actor, "reports.view", branch)]
    if kind == "branch":
        return [branch.code for branch in branches]
    return list(db.session.scalars(select(Staff.code).where(Staff.branch_id.in_([b.id for b in branches]),
                                                            Staff.active).order_by(Staff.code)))


def submit_bulk(actor: User, kind: str, start: date, end: date, region: str) -> Job:
    """Ask for a bulk scorecard job (or get the same request's one back). Flush only: queued once committed."""
    access.require(actor, "scorecards.bulk")
    if kind not in KINDS:
        raise BadRequest("the scorecards are of %(kinds)s", kinds=" or ".join(KINDS))
    regions = {branch.region for branch in db.session.scalars(access.scoped_branches(actor))}
    if region and region not in regions:
        raise BadRequest("there is no region “%(name)s” among yours", name=region)
    codes = targets(actor, kind, region)
    if not codes:
        raise BadRequest("there are no scorecards to make here")
    most = current_app.config["JOBS_BULK_MAX"]
    if len(codes) > most:
        raise BadRequest("one job makes at most %(most)d scorecards, not %(count)d: choose a region",
                         most=most, count=len(codes))
    params = {"kind": kind, "from": start.isoformat(), "to": end.isoformat(), "region": region,
              "locale": str(get_locale())}
    bulk, new = submit(actor, JobKind.BULK_SCORECARDS, params, request_key(JobKind.BULK_SCORECARDS, actor, params),
                       total=len(codes), queued=False)
    if new:
        size = current_app.config["JOBS_BULK_BATCH"]
        for number, first in enumerate(range(0, len(codes), size)):
            batch = codes[first:first + size]
            submit(actor, JobKind.BULK_PART, {**params, "first": first, "codes": batch},
                   key=f"{bulk.id}:part:{number}", total=len(batch), parent=bulk)
    return bulk


def _stored(bulk_id: str, position: int) -> str:
    return f"{bulk_id}/pdf/{position:05d}.pdf"


def _scorecard(actor: User, kind: str, code: str, start: date, end: date) -> bytes:
    """Print one scorecard as it is printed on request, if the user still reads it (else NotFound: failed)."""
    if kind == "branch":
        return branch_pdf(reportable_branch(actor, code), start, end)
    return staff_pdf(reportable_staff(actor, code), start, end)


def _assemble_when_complete(part: Job) -> None:
    """Queue the ZIP once every part of the bulk job is done (the last part to finish gets there)."""
    waiting = db.session.scalar(select(func.count()).select_from(Job).where(
        Job.parent_id == part.parent_id, Job.kind == JobKind.BULK_PART, Job.status != JobStatus.DONE))
    if waiting == 0:
        bulk = db.session.get(Job, part.parent_id)
        submit(bulk.created_by, JobKind.BULK_ZIP, {"locale": bulk.params["locale"]}, key=f"{bulk.id}:zip",
               parent=bulk)


@task(JobKind.BULK_PART, after=_assemble_when_complete)
def make_part(job: Job) -> None:
    """Print a batch of a bulk job's scorecards into its folder, reporting each one done."""
    params, actor = job.params, job.created_by
    start, end = date.fromisoformat(params["from"]), date.fromisoformat(params["to"])
    for offset, code in enumerate(params["codes"]):
        name = _stored(job.parent_id, params["first"] + offset)
        if not outputs.exists(name):  # stored whole by an earlier attempt: kept as it was
            outputs.put(name, _scorecard(actor, params["kind"], code, start, end))
        report_progress(job.id, offset + 1)


def _entry_names(kind: str, codes: list[str]) -> list[str]:
    """Return each scorecard's name in the ZIP: kind and code, made safe, numbered where two would clash."""
    names, seen = [], set()
    for position, code in enumerate(codes):
        name = f"{kind}-{secure_filename(code) or position + 1}.pdf"
        if name in seen:
            name = f"{kind}-{secure_filename(code)}-{position + 1}.pdf"
        seen.add(name)
        names.append(name)
    return names


@task(JobKind.BULK_ZIP, after=finish_parent)  # the ZIP goes to the bulk job the user follows: it is done
def make_zip(job: Job) -> Result:
    """Put the bulk job's scorecards into one ZIP, in the order they were listed, dated when it was asked for."""
    bulk = db.session.get(Job, job.parent_id)
    parts = db.session.scalars(select(Job).where(Job.parent_id == bulk.id, Job.kind == JobKind.BULK_PART)).all()
    codes = [code for part in sorted(parts, key=lambda part: part.params["first"]) for code in part.params["codes"]]
    stamp = localtime.local(bulk.created_at).timetuple()[:6]  # the same bytes however often it is assembled
    name = f"{bulk.id}/{ZIP_NAME}"
    with outputs.writing(name) as handle, zipfile.ZipFile(handle, "w", zipfile.ZIP_STORED) as archive:
        for position, entry in enumerate(_entry_names(bulk.params["kind"], codes)):
            pdf = outputs.get(_stored(bulk.id, position))
            if pdf is None:
                raise RuntimeError(f"scorecard {position} of bulk job {bulk.id} is missing")
            archive.writestr(zipfile.ZipInfo(entry, date_time=stamp), pdf)
    params = bulk.params
    filename = f"scorecards-{params['kind']}-{params['region'] or 'all'}-{params['from']}-{params['to']}.zip"
    return Result(output=name, filename=filename)
