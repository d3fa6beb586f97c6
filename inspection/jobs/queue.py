"""Where jobs wait: an RQ queue on Redis, or (no Redis) a few threads of the process that asked for them.

A job is queued only once the transaction that recorded it has committed (a worker must find its row), so
services only name it here (`enqueue_after_commit`) and the session's commit hands it on.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask, current_app
from redis import Redis
from rq import Queue, Retry
from sqlalchemy import event, update
from sqlalchemy.orm import Session

from ..db import WRITE_OPTION, utcnow
from ..extensions import db
from .models import Job, JobStatus
from .runner import Outcome, run

PENDING = "inspection.jobs.pending"  # in a session's info: the jobs it recorded, queued when it commits
ONCE = "inspection.jobs.once"  # in a session's info: what its transaction asked for once already
EXECUTOR, CONNECTION = "inspection.jobs.executor", "inspection.jobs.redis"
PERFORM = "inspection.jobs.queue.perform"  # what RQ workers import and call with a job's id
logger = logging.getLogger(__name__)


class RetryLater(Exception):
    """Raised to RQ after a failed attempt with attempts left, so that its Retry queues the job again."""


def enqueue_after_commit(job_id: str) -> None:
    """Queue the job once the current transaction commits (never, if it rolls back)."""
    db.session.info.setdefault(PENDING, []).append(job_id)


def first_in_transaction(name: str) -> bool:
    """Tell whether this is the first time the current transaction asks for `name` (a job it needs once)."""
    asked = db.session.info.setdefault(ONCE, set())
    if name in asked:
        return False
    asked.add(name)
    return True


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    for job_id in session.info.pop(PENDING, ()):
        enqueue(current_app._get_current_object(), job_id)


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction) -> None:
    if transaction.parent is None:  # the whole transaction ended: what it recorded and did not commit is gone
        session.info.pop(PENDING, None)
        session.info.pop(ONCE, None)


def uses_rq(app: Flask) -> bool:
    return app.config["JOBS_QUEUE"] == "rq"


def enqueue(app: Flask, job_id: str) -> None:
    """Hand a committed job to the queue; if the queue cannot take it, fail it so that its page says so."""
    try:
        if uses_rq(app):
            rq_queue(app).enqueue(PERFORM, job_id, retry=_retry(app), job_timeout=app.config["JOBS_TIMEOUT"],
                                  result_ttl=0, failure_ttl=7 * 24 * 3600, description=f"job {job_id}")
        else:
            executor(app).submit(job_id)
    except Exception as error:  # noqa: BLE001 - Redis unreachable, or anything else: the job is told, not lost
        logger.exception("could not queue job %s", job_id)
        with db.engine.connect().execution_options(**{WRITE_OPTION: True}) as connection, connection.begin():
            connection.execute(update(Job).where(Job.id == job_id, Job.status == JobStatus.QUEUED).values(
                status=JobStatus.FAILED, finished_at=utcnow(), key=None,
                error=f"could not be queued: {type(error).__name__}: {error}"[:2000]))


def _retry(app: Flask) -> Retry | None:
    retries = app.config["JOBS_MAX_ATTEMPTS"] - 1
    return Retry(max=retries, interval=list(app.config["JOBS_RETRY_SECONDS"]) or 0) if retries > 0 else None


def redis_connection(app: Flask) -> Redis:
    """Return the app's Redis connection (a pool, shared by the threads of the process)."""
    if CONNECTION not in app.extensions:
        app.extensions[CONNECTION] = Redis.from_url(app.config["REDIS_URL"])
    return app.extensions[CONNECTION]


def rq_queue(app: Flask) -> Queue:
    return Queue(app.config["JOBS_QUEUE_NAME"], connection=redis_connection(app))


def queue_depth(app: Flask) -> int | None:
    """Return how many jobs wait in the RQ queue (None when jobs run in process)."""
    return rq_queue(app).count if uses_rq(app) else None


def perform(job_id: str) -> str:
    """Run one attempt of a job in an RQ worker (inside the worker's app context)."""
    outcome, attempts = run(job_id)
    if outcome is Outcome.RETRY:
        raise RetryLater(f"job {job_id} failed on attempt {attempts}; it is tried again")
    return outcome.value


class InlineExecutor:
    """Run jobs on a few threads of this process, retrying as RQ would; `wait` tells when none is left."""

    def __init__(self, app: Flask):
        self.app = app
        self.pool = ThreadPoolExecutor(app.config["JOBS_THREADS"], thread_name_prefix="inspection-job")
        self.busy = 0
        self.changed = threading.Condition()

    def submit(self, job_id: str, delay: float = 0) -> None:
        with self.changed:
            self.busy += 1
        if delay:
            timer = threading.Timer(delay, self.pool.submit, (self._run, job_id))
            timer.daemon = True
            timer.start()
        else:
            self.pool.submit(self._run, job_id)

    def _run(self, job_id: str) -> None:
        try:
            with self.app.app_context():
                outcome, attempts = run(job_id)
            if outcome is Outcome.RETRY:
                pauses = self.app.config["JOBS_RETRY_SECONDS"] or [0]
                self.submit(job_id, pauses[min(attempts, len(pauses)) - 1])
        except Exception:  # noqa: BLE001 - a thread has nobody to raise to: the log tells
            logger.exception("job %s could not be run", job_id)
        finally:
            with self.changed:
                self.busy -= 1
                self.changed.notify_all()

    def wait(self, timeout: float) -> bool:
        """Wait until no job is queued or running here; False if some still are after `timeout` seconds."""
        with self.changed:
            return self.changed.wait_for(lambda: self.busy == 0, timeout)


def executor(app: Flask) -> InlineExecutor:
    """Return the app's thread pool for jobs, started when the first job comes (after any fork)."""
    with _STARTING:
        if EXECUTOR not in app.extensions:
            app.extensions[EXECUTOR] = InlineExecutor(app)
    return app.extensions[EXECUTOR]


_STARTING = threading.Lock()
