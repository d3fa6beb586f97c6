"""Run one attempt of a job: claim it, run its task, record the outcome; each step in a transaction of its own.

A job is claimed by a conditional UPDATE (queued -> running), so that two workers never both run it, on
PostgreSQL as on SQLite; a task is written so that running it again gives the same result.
"""

from __future__ import annotations

import logging
from enum import StrEnum

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import select, update

from ..db import WRITE_OPTION, utcnow, write_transaction
from ..extensions import db
from ..problems import Forbidden, Problem
from .models import Job, JobKind, JobStatus
from .registry import TASKS, Result, Task

MAX_ERROR_CHARS = 2000
logger = logging.getLogger(__name__)


class Outcome(StrEnum):
    DONE = "done"
    RETRY = "retry"  # failed, with attempts left: queue it again
    FAILED = "failed"
    SKIPPED = "skipped"  # not queued (done, failed, running elsewhere, or gone): nothing was run


def run(job_id: str) -> tuple[Outcome, int]:
    """Run one attempt of the job; return its outcome and how many attempts it has had."""
    job = _claim(job_id)
    if job is None:
        return Outcome.SKIPPED, 0
    attempts, task = job.attempts, TASKS[job.kind]
    try:
        if job.created_by is not None and not job.created_by.active:
            raise Forbidden("the account that asked for this job is disabled")
        with force_locale(job.params.get("locale") or current_app.config["BABEL_DEFAULT_LOCALE"]):
            result = task.run(job)
            _complete(job_id, result or Result(), task)
    except Problem as problem:  # the request itself cannot be done: another attempt would fail the same way
        db.session.rollback()
        return _fail(job_id, problem.message, problem, last=True), attempts
    except Exception as error:  # noqa: BLE001 - whatever went wrong is recorded, and tried again
        db.session.rollback()
        logger.exception("job %s (%s) failed on attempt %s", job_id, job.kind, attempts)
        text = f"{type(error).__name__}: {error}"
        return _fail(job_id, text, None, last=attempts >= current_app.config["JOBS_MAX_ATTEMPTS"]), attempts
    return Outcome.DONE, attempts


def report_progress(job_id: str, done: int) -> None:
    """Record how much of a running job is done, on a connection of its own: the task's transaction goes on."""
    with db.engine.connect().execution_options(**{WRITE_OPTION: True}) as connection, connection.begin():
        connection.execute(update(Job).where(Job.id == job_id, Job.status == JobStatus.RUNNING)
                           .values(progress_done=done))


def record_done(job_id: str, result: Result) -> None:
    """Record a running job done in the caller's transaction, with what it wrote: both commit, or neither.

    Flush only; for tasks whose work is one transaction (a plan's assignments), so that an attempt after a
    crash finds either nothing done or the job done.
    """
    _record(db.session, job_id, JobStatus.DONE, result=result.output, filename=result.filename, link=result.link)
    db.session.flush()


def finish_parent(child: Job) -> None:
    """Record the child's parent done with the child's output (a bulk job once its ZIP is made). Flush only."""
    db.session.execute(update(Job).where(Job.id == child.parent_id, Job.status == JobStatus.RUNNING)
                       .values(status=JobStatus.DONE, finished_at=utcnow(), result=child.result,
                               filename=child.filename)
                       .execution_options(synchronize_session=False))
    db.session.flush()


def _claim(job_id: str) -> Job | None:
    """Take a queued job for this attempt (and start its bulk job); None if it is not queued."""
    now = utcnow()
    with write_transaction() as session:
        claimed = session.execute(update(Job).where(Job.id == job_id, Job.status == JobStatus.QUEUED)
                                  .values(status=JobStatus.RUNNING, attempts=Job.attempts + 1, started_at=now)
                                  .execution_options(synchronize_session=False))
        if claimed.rowcount != 1:
            return None
        job = session.get(Job, job_id, populate_existing=True)
        if job.parent_id is not None:
            parent = session.get(Job, job.parent_id, populate_existing=True)
            if parent.status == JobStatus.FAILED:  # another part failed for good: no use making this one
                _record(session, job_id, JobStatus.FAILED, error="its bulk job failed (see its other parts)")
                return None
            session.execute(update(Job).where(Job.id == parent.id, Job.status == JobStatus.QUEUED)
                            .values(status=JobStatus.RUNNING, started_at=now)
                            .execution_options(synchronize_session=False))
    return job


def _record(session, job_id: str, status: JobStatus, **values) -> int:
    """Move a running job on to a state; return 1 if it was running, 0 if another attempt moved it first."""
    if status in (JobStatus.DONE, JobStatus.FAILED):
        values["finished_at"] = utcnow()
    if status == JobStatus.FAILED:
        values["key"] = None  # asking again makes a new job
    return session.execute(update(Job).where(Job.id == job_id, Job.status == JobStatus.RUNNING)
                           .values(status=status, **values).execution_options(synchronize_session=False)).rowcount


def _complete(job_id: str, result: Result, task: Task) -> None:
    """Record the job done, and do what follows it in the same transaction (all of it, or none: tried again)."""
    with write_transaction() as session:
        job = session.get(Job, job_id, populate_existing=True)
        if job.parent_id is not None:  # parts finish one after another: the last to lock sees all others done
            session.execute(select(Job.id).where(Job.id == job.parent_id).with_for_update())
        _record(session, job_id, JobStatus.DONE, result=result.output, filename=result.filename, link=result.link)
        if task.after is not None:
            task.after(session.get(Job, job_id, populate_existing=True))


def _fail(job_id: str, error: str, problem: Problem | None, last: bool) -> Outcome:
    """Record a failed attempt: queued again, or failed for good with its bulk job."""
    described = None
    if problem is not None:  # kept to be shown in the reader's language: numbers stay numbers for %(n)d
        params = {name: value if isinstance(value, (int, float, str)) else str(value)
                  for name, value in problem.params.items()}
        described = {"template": problem.template, "params": params}
    with write_transaction() as session:
        job = session.get(Job, job_id, populate_existing=True)
        status = JobStatus.FAILED if last else JobStatus.QUEUED
        _record(session, job_id, status, error=error[:MAX_ERROR_CHARS], problem=described)
        if last and job.parent_id is not None:
            session.execute(update(Job).where(Job.id == job.parent_id,
                                              Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))
                            .values(status=JobStatus.FAILED, finished_at=utcnow(), key=None, problem=described,
                                    error=f"{JobKind(job.kind).value} {job_id} failed: {error}"[:MAX_ERROR_CHARS])
                            .execution_options(synchronize_session=False))
    return Outcome.FAILED if last else Outcome.RETRY
