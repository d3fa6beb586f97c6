"""Job figures for /metrics, read at each scrape: queue depth from Redis, jobs by state from the database."""

from __future__ import annotations

import logging

from flask import current_app
from prometheus_client.core import GaugeMetricFamily
from redis.exceptions import RedisError
from sqlalchemy import func, select

from ..extensions import db
from .models import Job, JobStatus
from .queue import queue_depth

logger = logging.getLogger(__name__)


class JobsCollector:
    """Report the queue's depth and the failed jobs: the same in every process, as both live outside them."""

    def collect(self):
        app = current_app._get_current_object()
        depth = GaugeMetricFamily("inspection_job_queue_depth", "Jobs waiting in the RQ queue", labels=["queue"])
        try:
            waiting = queue_depth(app)
        except RedisError:  # no sample: the scrape still reports the rest, and /readyz names Redis
            logger.warning("the job queue's depth could not be read from Redis", exc_info=True)
            waiting = None
        if waiting is not None:
            depth.add_metric([app.config["JOBS_QUEUE_NAME"]], waiting)
        yield depth
        counts = dict(db.session.execute(select(Job.status, func.count()).group_by(Job.status)).all())
        failures = GaugeMetricFamily("inspection_job_failures",
                                     "Jobs (and parts of jobs) failed on their last attempt, kept for admins to see")
        failures.add_metric([], counts.get(JobStatus.FAILED, 0))
        yield failures
        states = GaugeMetricFamily("inspection_jobs", "Jobs by state", labels=["status"])
        for status in JobStatus:
            states.add_metric([status.value], counts.get(status, 0))
        yield states
