"""A large plan created by a job, its months counted off on the job's page, instead of in the request."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from flask_babel import get_locale
from sqlalchemy import update

from ..auth.models import User
from ..db import write_transaction
from ..extensions import db
from ..jobs.models import Job, JobKind
from ..jobs.registry import Result, task
from ..jobs.runner import record_done, report_progress
from ..jobs.services import request_key, submit
from ..problems import Conflict
from ..visits.services import presence
from . import planning


def submit_plan(actor: User, request: planning.PlanRequest, digest: str, timezone: str, link: str) -> Job:
    """Ask for the previewed plan to be created by a job (or get the same request's job back). Flush only."""
    params = {"request": {**asdict(request), "first_month": request.first_month.isoformat()}, "digest": digest,
              "timezone": timezone, "link": link, "locale": str(get_locale())}
    # The months worked out, then the assignments written: one step more than the plan has months.
    return submit(actor, JobKind.PLAN, params, request_key(JobKind.PLAN, actor, params), total=request.months + 1)[0]


@task(JobKind.PLAN)
def create_plan(job: Job) -> None:
    """Work the plan out month by month (shown as progress), then create it as the form would have."""
    params, actor, job_id, steps = job.params, job.created_by, job.id, job.progress_total
    request = planning.PlanRequest(**{**params["request"],
                                      "first_month": date.fromisoformat(params["request"]["first_month"])})
    shown = planning.preview(actor, request, presence, params["timezone"],
                             progress=lambda months: report_progress(job_id, months))
    if shown.digest != params["digest"]:  # found before writing; `create` checks again under the write lock
        raise Conflict("assignments or people changed since the preview: look at the plan again before creating it")
    db.session.rollback()  # the preview's reads end here, before the write transaction
    with write_transaction():
        planning.create(actor, request, params["digest"], presence, params["timezone"])
        db.session.execute(update(Job).where(Job.id == job_id).values(progress_done=steps))
        record_done(job_id, Result(link=params["link"]))  # with the plan: a later attempt never creates it twice
