"""`flask jobs worker [--burst]` runs queued jobs (RQ); `flask jobs cleanup` expires files and old jobs (cron)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

from ..db import utcnow, write_transaction
from ..extensions import db
from .queue import redis_connection, rq_queue, uses_rq
from .registry import WARM_UPS
from .services import expire, forget, reap
from .worker import make_worker

jobs_cli = AppGroup("jobs", help="Run and clean up background jobs.")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
@click.option("--fork/--no-fork", default=False, show_default=True,
              help="Run each job in a forked work horse instead of in the worker's process.")
@click.option("--name", default=None, help="The worker's name in Redis (default: made up).")
def worker_command(burst: bool, fork: bool, name: str | None) -> None:
    """Run the jobs of the queue INSPECTION_JOBS_QUEUE_NAME, on Redis at INSPECTION_REDIS_URL."""
    app = current_app._get_current_object()
    if not uses_rq(app):
        raise click.ClickException("jobs run in the process that asks for them: set INSPECTION_REDIS_URL "
                                   "(and INSPECTION_JOBS_QUEUE=rq) to run them on workers")
    for warm_up in WARM_UPS:
        warm_up()
    db.engine.dispose()  # no connection of the parent is shared with what it forks
    worker = make_worker(app, [rq_queue(app)], redis_connection(app), simple=not fork, name=name)
    worker.work(burst=burst, with_scheduler=True, logging_level="INFO")


@jobs_cli.command("cleanup")
def cleanup_command() -> None:
    """Delete expired job files and month-old jobs, and fail jobs a stopped process left (run it hourly)."""
    now = utcnow()
    with write_transaction():
        expired, reaped, forgotten = expire(now), reap(now), forget(now)
    click.echo(f"expired {expired} files, failed {reaped} abandoned jobs, deleted {forgotten} old jobs")
