"""Ask for jobs and find them: one job per request and inputs, its progress, retries by admins, expiry."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from .. import access
from ..auth.models import User
from ..db import utcnow
from ..extensions import db
from ..problems import Conflict, NotFound
from . import outputs
from .models import Job, JobKind, JobStatus
from .queue import enqueue_after_commit

# A job's row is kept this long after it was asked for (its file much shorter: JOBS_KEEP_HOURS).
KEEP_ROWS = timedelta(days=30)
# A job still queued this long after it was asked for was lost with the process or queue that held it.
NEVER_STARTED = timedelta(hours=24)
# Files made from data that keeps changing, and from the asker's rights at the time: asked for again once done,
# they are made again, never handed back from an earlier request.
REMADE_WHEN_DONE = (JobKind.EXPORT, JobKind.BULK_SCORECARDS)
ABANDONED = "abandoned: the process or queue that held it stopped (see the worker's log)"


def request_key(kind: JobKind, actor: User, params: dict) -> str:
    """Return the key that makes the same request by the same user for the same inputs one job."""
    text = json.dumps([str(kind), actor.id, params], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def submit(actor: User | None, kind: JobKind, params: dict, key: str | None, total: int = 0,
           parent: Job | None = None, queued: bool = True) -> tuple[Job, bool]:
    """Record a job, or return the one of the same key; it is queued once the transaction commits. Flush only.

    Returns the job and whether it is new. `queued=False` records a job that its parts do the work of.
    """
    if key is not None:
        existing = db.session.scalar(select(Job).where(Job.key == key))
        if existing is not None and not _made_again(existing):
            return existing, False
        if existing is not None:  # its file stays until `jobs cleanup`: no storage call inside this transaction
            existing.key = None
            db.session.flush()
    job = Job(id=uuid.uuid4().hex, kind=kind, params=params, key=key, status=JobStatus.QUEUED, progress_total=total,
              created_by_id=actor.id if actor is not None else None, parent_id=parent.id if parent else None,
              progress_done=0, attempts=0, error="")
    try:
        with db.session.begin_nested():
            db.session.add(job)
            db.session.flush()
    except IntegrityError:  # the same request, made at the same moment by another process
        existing = db.session.scalar(select(Job).where(Job.key == key)) if key is not None else None
        if existing is None:
            raise
        return existing, False
    if queued:
        enqueue_after_commit(job.id)
    return job, True


def _made_again(job: Job) -> bool:
    """Tell whether a request with the key of this job makes a new one: the file is stale or expired."""
    if job.status != JobStatus.DONE:
        return False
    kept = timedelta(hours=current_app.config["JOBS_KEEP_HOURS"])
    return job.kind in REMADE_WHEN_DONE or job.finished_at is None or job.finished_at < utcnow() - kept


def visible_job(user: User, job_id: str) -> Job:
    """Return the job if the user may follow it; NotFound otherwise (the parts of a job are not shown apart)."""
    job = db.session.get(Job, job_id)
    if job is None or job.parent_id is not None or not access.can(user, "job.view", job):
        raise NotFound("no job %(id)s", id=job_id)
    return job


def progress(job: Job) -> tuple[int, int]:
    """Return how much of the job is done, of how much: a bulk job counts the scorecards its parts made."""
    if job.kind != JobKind.BULK_SCORECARDS:
        return job.progress_done, job.progress_total
    done = db.session.scalar(select(func.coalesce(func.sum(Job.progress_done), 0))
                             .where(Job.parent_id == job.id, Job.kind == JobKind.BULK_PART))
    return int(done), job.progress_total


def recent(limit: int = 50) -> list[Job]:
    """Return the jobs asked for last, newest first (what people asked for, not their parts)."""
    return list(db.session.scalars(select(Job).where(Job.parent_id.is_(None)).options(selectinload(Job.created_by))
                                   .order_by(Job.created_at.desc()).limit(limit)))


def failures(limit: int = 50) -> list[Job]:
    """Return the failed jobs and parts, the latest first, with their errors."""
    return list(db.session.scalars(select(Job).where(Job.status == JobStatus.FAILED)
                                   .options(selectinload(Job.created_by))
                                   .order_by(Job.finished_at.desc()).limit(limit)))


def retry(actor: User, job: Job) -> list[Job]:
    """Try a failed job again from its first attempt (a bulk job: its failed parts); return those queued.

    Flush only.
    """
    access.require(actor, "jobs.admin")
    if job.status != JobStatus.FAILED:
        raise Conflict("only a failed job is tried again")
    targets = [job]
    if job.kind == JobKind.BULK_SCORECARDS:
        targets = list(db.session.scalars(select(Job).where(Job.parent_id == job.id,
                                                            Job.status == JobStatus.FAILED)))
    for target in targets:
        db.session.execute(update(Job).where(Job.id == target.id, Job.status == JobStatus.FAILED)
                           # Its time starts again: `jobs cleanup` would otherwise take it for one never started.
                           .values(status=JobStatus.QUEUED, attempts=0, problem=None, finished_at=None,
                                   started_at=utcnow())
                           .execution_options(synchronize_session=False))
        enqueue_after_commit(target.id)
    bulk = job if job.parent_id is None else db.session.get(Job, job.parent_id)
    if bulk.kind == JobKind.BULK_SCORECARDS:  # its parts go on: it waits for them again
        db.session.execute(update(Job).where(Job.id == bulk.id, Job.status == JobStatus.FAILED)
                           .values(status=JobStatus.RUNNING, problem=None, finished_at=None, started_at=utcnow())
                           .execution_options(synchronize_session=False))
    db.session.flush()
    db.session.expire_all()
    return targets


def expire(now: datetime) -> int:
    """Delete the files of jobs finished longer ago than JOBS_KEEP_HOURS; asking again then makes a new job.

    Flush only; run by `flask jobs cleanup`.
    """
    before = now - timedelta(hours=current_app.config["JOBS_KEEP_HOURS"])
    due = list(db.session.scalars(select(Job.id).where(
        Job.parent_id.is_(None), Job.status == JobStatus.DONE, Job.finished_at < before,
        or_(Job.key.is_not(None), Job.result.is_not(None)))))
    for job_id in due:
        outputs.delete(job_id)
    if due:
        db.session.execute(update(Job).where(Job.id.in_(due)).values(key=None, result=None)
                           .execution_options(synchronize_session=False))
        db.session.flush()
    return len(due)


def reap(now: datetime) -> int:
    """Fail the jobs whose process stopped under them: running past their timeout, or never started. Flush only."""
    stalled = now - timedelta(seconds=current_app.config["JOBS_TIMEOUT"] + 60)
    waiting_parts = Job.kind == JobKind.BULK_SCORECARDS  # queued until a part starts: its parts are reaped instead
    # A bulk job runs as long as its parts do: it fails through them (below), never by its own age.
    lost = or_((Job.status == JobStatus.RUNNING) & (Job.started_at < stalled) & ~waiting_parts,
               (Job.status == JobStatus.QUEUED) & ~waiting_parts
               & (func.coalesce(Job.started_at, Job.created_at) < now - NEVER_STARTED))
    reaped = db.session.execute(update(Job).where(lost).values(
        status=JobStatus.FAILED, finished_at=now, key=None, error=ABANDONED)
        .execution_options(synchronize_session=False)).rowcount
    failed_parts = select(Job.parent_id).where(Job.parent_id.is_not(None), Job.status == JobStatus.FAILED)
    db.session.execute(update(Job).where(waiting_parts, Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]),
                                         Job.id.in_(failed_parts))
                       .values(status=JobStatus.FAILED, finished_at=now, key=None, error=ABANDONED)
                       .execution_options(synchronize_session=False))
    db.session.flush()
    return reaped


def forget(now: datetime) -> int:
    """Delete the rows (and any files left) of jobs asked for more than 30 days ago. Flush only."""
    old = list(db.session.scalars(select(Job.id).where(Job.parent_id.is_(None), Job.created_at < now - KEEP_ROWS)))
    for job_id in old:
        outputs.delete(job_id)
    if old:
        db.session.execute(delete(Job).where(Job.id.in_(old)))  # their parts go with them (ON DELETE CASCADE)
        db.session.flush()
    return len(old)
