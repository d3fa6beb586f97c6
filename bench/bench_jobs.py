"""Bulk branch scorecards on RQ workers (`flask jobs worker --burst`), against one scorecard asked for on request.

Seeds BENCH_JOB_BRANCHES branches (default 30) with a year of visits on SQLite, times branch scorecard PDFs
on request (warm; 20 branches across the set, each once), then the same period's bulk job of every branch with
one worker and with two (each a `flask jobs worker` process on a queue of its own in the Redis at
INSPECTION_TEST_REDIS_URL). Targets: each PDF of a bulk job at most 1.2x one on request; two workers at least
1.7x as fast as one (needs two free cores).
"""

import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

import flask_migrate
from sqlalchemy import delete, select

from inspection import create_app
from inspection.auth.models import User
from inspection.auth.services import add_user
from inspection.catalog.services import freeze
from inspection.db import write_transaction
from inspection.extensions import db
from inspection.jobs import outputs
from inspection.jobs.models import Job, JobKind, JobStatus
from inspection.org.models import Branch, Staff
from inspection.scorecards.bulk import submit_bulk

import seeding
from timing import report

ROOT = Path(__file__).resolve().parent.parent
BRANCHES = int(os.environ.get("BENCH_JOB_BRANCHES", 30))
VISITS_PER_BRANCH = 200
SAMPLE = 20  # branches timed on request
REDIS_URL = os.environ.get("INSPECTION_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
START, END = "2026-08-03", "2026-11-01"  # 90 days, as a scorecard's default period


def settings(folder: Path, queue: str) -> dict:
    return {"SECRET_KEY": "bench", "ENV_NAME": "bench", "PASSWORD_HASH_PROFILE": "CHEAPEST",
            "WTF_CSRF_ENABLED": False, "DATABASE_URL": f"sqlite:///{folder / 'jobs.sqlite3'}",
            "MEDIA_DIR": str(folder / "media"), "REDIS_URL": REDIS_URL, "JOBS_QUEUE": "rq",
            "JOBS_QUEUE_NAME": queue, "JOBS_BULK_BATCH": 5}


def seed(app) -> None:
    with app.app_context():
        flask_migrate.upgrade(directory=app.extensions["migrate"].directory)
        with write_transaction():
            branches = [Branch(code=f"B{b:03d}", name=f"营业厅{b}", region=f"区域{b % 5}") for b in range(BRANCHES)]
            for branch in branches:
                branch.staff = [Staff(code=f"{branch.code}-S{s}", name=f"员工{s}") for s in range(10)]
            db.session.add_all(branches)
            admin = add_user("admin@example.com", "管理员", "admin", "Lanmao-qiuqiu-88")
            version = freeze(seeding.CHECKLIST).version
            staff = {b.id: [(m.id, m.code) for m in b.staff] for b in branches}
            seeding.bulk_visits(random.Random(1), BRANCHES * VISITS_PER_BRANCH, [b.id for b in branches], staff,
                                admin.id, version)
        db.session.remove()


def run_bulk(app, folder: Path, queue: str, workers: int, fork: bool) -> tuple[float, float]:
    """Ask for every branch's scorecard in one ZIP, run it on `workers` worker processes.

    Returns the seconds per PDF from the first part's start to the ZIP's end, and those spent in parts (workers'
    time, whichever of them, divided by the PDFs: the cost of one PDF in a bulk job).
    """
    with app.app_context():
        with write_transaction():  # a fresh job each run (the same request would give the last one back)
            for job_id in db.session.scalars(select(Job.id).where(Job.parent_id.is_(None))):
                outputs.delete(job_id)
            db.session.execute(delete(Job))
        with app.test_request_context():
            admin = db.session.scalar(select(User).where(User.email == "admin@example.com"))
            with write_transaction():
                job_id = submit_bulk(admin, "branch", date.fromisoformat(START), date.fromisoformat(END), "").id
    env = {**os.environ, "PYTHONPATH": str(ROOT), **{f"INSPECTION_{key}": str(value) for key, value in
                                                      settings(folder, queue).items()}}
    command = [sys.executable, "-m", "flask", "--app", "app", "jobs", "worker", "--burst",
               "--fork" if fork else "--no-fork"]
    log = open(folder / "workers.log", "ab")
    processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log) for _ in range(workers)]
    try:
        for process in processes:
            process.wait(timeout=3600)
    finally:
        log.close()
        for process in processes:
            if process.poll() is None:
                process.kill()
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job.status == JobStatus.DONE, (job.status, job.error, (folder / "workers.log").read_text()[-3000:])
        parts = db.session.scalars(select(Job).where(Job.parent_id == job_id, Job.kind == JobKind.BULK_PART))
        working = sum((part.finished_at - part.started_at).total_seconds() for part in parts)
        return (job.finished_at - job.started_at).total_seconds() / BRANCHES, working / BRANCHES


def on_request(client) -> float:
    """Return the mean seconds of one branch scorecard PDF on request, over branches spread across the set."""
    # The same statistic as a bulk job's (every branch once, averaged): one branch's median would compare
    # that branch, and its luck with the machine, against all of them.
    codes = [f"B{number:03d}" for number in range(0, BRANCHES, max(1, BRANCHES // SAMPLE))]
    start = time.perf_counter()
    for code in codes:
        assert client.get(f"/branches/{code}/scorecard.pdf?from={START}&to={END}").status_code == 200
    return (time.perf_counter() - start) / len(codes)


def main() -> None:
    queue = f"bench-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        app = create_app(settings(folder, queue))
        seed(app)
        client = app.test_client()
        client.post("/login", data={"email": "admin@example.com", "password": "Lanmao-qiuqiu-88"})
        on_request(client)  # warm: fonts, templates, the database's pages
        single = on_request(client)
        print(f"{BRANCHES} branches, {VISITS_PER_BRANCH} visits each over a year; scorecards of {START} – {END}")
        # Each the best of two runs, the configurations taking turns: other work on the machine comes and goes.
        runs = [run_bulk(app, folder, queue, workers, fork) for _ in range(2)
                for workers, fork in ((1, False), (1, True), (2, False))]
        (one, in_parts), (forked, _), (two, _) = (min(runs[index::3]) for index in range(3))
        single = min(single, on_request(client))  # also the best of two, like the bulk runs
        report(f"a branch PDF on request ({SAMPLE} branches)", single, single, "itself")
        report("bulk, 1 worker: per PDF in parts", in_parts, single, "one PDF on request")
        report("bulk, 1 worker: per PDF, start to ZIP", one, single, "one PDF on request")
        report("bulk, 1 forking worker: same", forked, one, "1 worker")
        report("bulk, 2 workers: same", two, one, "1 worker")
        print(f"two workers are {one / two:.2f}x as fast as one (target >= 1.7 on two free cores); "
              f"a PDF in a bulk job costs {in_parts / single:.2f}x one on request (target <= 1.2)")
