"""RQ workers that run each job inside the app's context, with database connections of their own."""

from __future__ import annotations

from flask import Flask
from rq import SimpleWorker, Worker

from ..extensions import db


class AppContext:
    """Push the app's context around each job: a fresh session, as a request has."""

    app: Flask

    def perform_job(self, job, queue, execution) -> bool:
        with self.app.app_context():
            return super().perform_job(job, queue, execution)


class ForkingWorker(AppContext, Worker):
    """Fork a work horse per job from a parent that has loaded the app and warmed up the PDF engine."""

    def main_work_horse(self, job, queue) -> None:
        with self.app.app_context():
            db.engine.dispose(close=False)  # the parent's pooled connections are not the horse's to use
        super().main_work_horse(job, queue)


class InProcessWorker(AppContext, SimpleWorker):
    """Run jobs in the worker's own process: nothing is loaded again per job."""


def make_worker(app: Flask, queues, connection, simple: bool, name: str | None = None) -> Worker:
    """Return a worker of the chosen kind for the app's jobs."""
    worker = (InProcessWorker if simple else ForkingWorker)(queues, connection=connection, name=name)
    worker.app = app
    return worker
