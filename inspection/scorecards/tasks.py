"""A visit's scorecard made by a worker when jobs run on a queue (RQ): the page asking for it does not wait."""

from __future__ import annotations

from flask_babel import get_locale

from ..appeals.services import appeal_of
from ..auth.models import User
from ..jobs import outputs
from ..jobs.models import Job, JobKind
from ..jobs.registry import Result, task
from ..jobs.services import request_key, submit
from ..visits.models import Visit
from ..visits.services import visible_visit
from .services import visit_pdf


def submit_visit_scorecard(actor: User, visit: Visit, name_people: bool) -> Job:
    """Ask for the visit's scorecard as it is now (or get the same request's job back). Flush only."""
    appeal = appeal_of(visit)
    params = {"visit": str(visit.uuid), "version": visit.version, "appeal": appeal.status if appeal else None,
              "named": name_people, "locale": str(get_locale())}
    return submit(actor, JobKind.VISIT_SCORECARD, params, request_key(JobKind.VISIT_SCORECARD, actor, params),
                  total=1)[0]


@task(JobKind.VISIT_SCORECARD)
def make_visit_scorecard(job: Job) -> Result:
    """Print the visit's scorecard into the cache (the next request gets it at once) and keep it for the job."""
    visit = visible_visit(job.created_by, job.params["visit"])
    filename = f"scorecard-{visit.uuid}.pdf"
    outputs.put(f"{job.id}/{filename}", visit_pdf(visit, job.params["named"]))
    return Result(output=f"{job.id}/{filename}", filename=filename)
