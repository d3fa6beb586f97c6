"""Jobs on RQ (the real Redis, a queue per test) and in process: bulk scorecards, PDFs, exports, mail, plans.

Idempotent submits and parts, claims that two workers never share, retries up to the limit and failures shown
to admins, who may see and download a job, expiry, and the figures /metrics reads at each scrape.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import threading
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from pypdf import PdfReader
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy import func, select, update

from inspection import create_app
from inspection.db import utcnow, write_transaction
from inspection.extensions import db, media_store
from inspection.jobs import outputs, services
from inspection.jobs.models import Job, JobKind, JobStatus
from inspection.jobs.queue import CONNECTION, executor, redis_connection, rq_queue
from inspection.jobs.registry import TASKS, Task
from inspection.jobs.runner import Outcome, run
from inspection.jobs.worker import make_worker
from inspection.notifications.services import notify
from inspection.photos.storage import write_with_files
from inspection.plans.models import Assignment
from inspection.visits.services import submit_visit

from . import factories
from .conftest import _test_config
from .test_notifications import EphemeralController, Inbox

REDIS_URL = os.environ.get("INSPECTION_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
PERIOD = {"from": "2026-10-01", "to": "2026-11-30"}
ROOT = Path(__file__).resolve().parent.parent
SETTLE_SECONDS = 120  # a bound for jobs running on threads of this process, never a measure of speed


@pytest.fixture
def on_rq(app):
    """Run jobs on RQ, on a queue of this test's own in the test Redis (emptied afterwards)."""
    try:
        Redis.from_url(REDIS_URL).ping()
    except RedisError as error:
        if os.environ.get("CI"):
            pytest.fail(f"Redis at {REDIS_URL} is not reachable: {error}")
        pytest.skip(f"Redis at {REDIS_URL} is not reachable: {error}")
    name = f"test-{uuid.uuid4().hex[:12]}"
    app.config.update(JOBS_QUEUE="rq", REDIS_URL=REDIS_URL, JOBS_QUEUE_NAME=name, JOBS_RETRY_SECONDS=[0])
    yield name
    connection = redis_connection(app)
    for job_id in rq_queue(app).failed_job_registry.get_job_ids():
        connection.delete(f"rq:job:{job_id}")
    for key in connection.scan_iter(match=f"*{name}*"):
        connection.delete(key)
    app.extensions.pop(CONNECTION).close()


def work(app) -> None:
    """Run an RQ worker in this process until the queue is empty, as `flask jobs worker --burst` does."""
    make_worker(app, [rq_queue(app)], redis_connection(app), simple=True).work(burst=True, logging_level="WARNING")
    db.session.rollback()  # requests share the test's session: its next reads see what the worker wrote


def settle(app) -> None:
    """Wait until the jobs running on this process's threads are done (inline)."""
    assert executor(app).wait(SETTLE_SECONDS), "jobs still running"
    db.session.rollback()  # requests share the test's session: its next reads see what the jobs wrote


def job_of(response) -> Job:
    """Return the job a response sent the browser to (its page)."""
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    path = urlsplit(response.headers["Location"]).path
    assert path.startswith("/jobs/"), path
    db.session.expire_all()
    return db.session.get(Job, path.split("/")[2])


def bulk(client, kind="branch", region="East", **period):
    return client.post("/scorecards/bulk", query_string={**PERIOD, **period}, data={"kind": kind, "region": region})


def download(client, job: Job):
    """Return the job's download, read and closed (its file is streamed)."""
    response = client.get(f"/jobs/{job.id}/download")
    response.get_data()
    response.close()
    return response


def zip_of(client, job: Job) -> zipfile.ZipFile:
    response = download(client, job)
    assert response.status_code == 200 and response.mimetype == "application/zip", response.status_code
    return zipfile.ZipFile(io.BytesIO(response.data))


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def manager(client, users, org):
    """The East manager, signed in; the inline jobs of the test are waited for afterwards."""
    factories.login(client, users["manager"])
    yield users["manager"]
    if "inspection.jobs.executor" in client.application.extensions:
        settle(client.application)


# -- bulk scorecards ------------------------------------------------------------------------------

def test_bulk_branch_scorecards_in_process_make_one_zip_of_valid_pdfs(app, client, manager):
    app.config["JOBS_BULK_BATCH"] = 1  # one part per branch: the two threads share the job
    job = job_of(bulk(client))
    assert job.kind == JobKind.BULK_SCORECARDS and job.progress_total == 2
    settle(app)
    status = client.get(f"/jobs/{job.id}/status").get_json()
    assert status["status"] == "done" and (status["done"], status["total"]) == (2, 2)
    assert status["download"] == f"/jobs/{job.id}/download"
    archive = zip_of(client, job)
    assert archive.namelist() == ["branch-E1.pdf", "branch-E2.pdf"]
    for code in ("E1", "E2"):
        text = pdf_text(archive.read(f"branch-{code}.pdf"))
        assert f"Branch {code}" in text and "2026-10-01" in text
    page = client.get(f"/jobs/{job.id}").get_data(as_text=True)
    assert f'href="/jobs/{job.id}/download"' in page and "js/job.js" in page


def test_bulk_staff_scorecards_on_rq_in_two_parts_with_progress(app, client, manager, on_rq):
    app.config["JOBS_BULK_BATCH"] = 3
    job = job_of(bulk(client, kind="staff"))
    parts = db.session.scalars(select(Job).where(Job.parent_id == job.id).order_by(Job.key)).all()
    assert [part.params["codes"] for part in parts] == [["E1-S1", "E1-S2", "E2-S1"], ["E2-S2"]]
    assert rq_queue(app).count == 2  # the parts wait on Redis; the job the user follows is not queued itself
    before = client.get(f"/jobs/{job.id}/status").get_json()
    assert before["status"] == "queued" and (before["done"], before["total"]) == (0, 4)
    work(app)
    after = client.get(f"/jobs/{job.id}/status").get_json()
    assert after["status"] == "done" and (after["done"], after["total"]) == (4, 4)
    archive = zip_of(client, job)
    assert archive.namelist() == ["staff-E1-S1.pdf", "staff-E1-S2.pdf", "staff-E2-S1.pdf", "staff-E2-S2.pdf"]
    assert "E2-S2" in pdf_text(archive.read("staff-E2-S2.pdf"))
    kinds = db.session.scalars(select(Job.kind).where(Job.parent_id == job.id)).all()
    assert sorted(kinds) == [JobKind.BULK_PART, JobKind.BULK_PART, JobKind.BULK_ZIP]  # one ZIP, whoever finished last


def test_the_same_request_twice_gives_the_same_job(app, client, manager, on_rq):
    # On a queue with no worker, so that the first job is surely still waiting when the second request comes.
    first, second = job_of(bulk(client)), job_of(bulk(client))
    assert first.id == second.id
    assert db.session.scalar(select(func.count()).select_from(Job).where(Job.kind == JobKind.BULK_PART)) == 1
    other = job_of(bulk(client, **{"to": "2026-11-29"}))  # other inputs: another job
    assert other.id != first.id


def test_a_part_run_again_gives_the_same_zip(app, client, manager):
    job = job_of(bulk(client))
    settle(app)
    first = download(client, job).data
    part = db.session.scalar(select(Job).where(Job.parent_id == job.id, Job.kind == JobKind.BULK_PART))
    outputs.delete(f"{job.id}/pdf/00001.pdf")  # as if the attempt had stopped half way
    with write_transaction():
        db.session.execute(update(Job).where(Job.id.in_([part.id, job.id]))
                           .values(status=JobStatus.QUEUED).execution_options(synchronize_session=False))
        db.session.execute(update(Job).where(Job.parent_id == job.id, Job.kind == JobKind.BULK_ZIP)
                           .values(status=JobStatus.QUEUED).execution_options(synchronize_session=False))
    zip_job = db.session.scalar(select(Job.id).where(Job.parent_id == job.id, Job.kind == JobKind.BULK_ZIP))
    assert run(part.id)[0] is Outcome.DONE and run(zip_job)[0] is Outcome.DONE
    assert run(part.id)[0] is Outcome.SKIPPED  # done: a second delivery of it runs nothing
    assert download(client, job).data == first


def test_two_workers_never_both_claim_a_job(app, client, manager, monkeypatch):
    ran, entered = [], threading.Barrier(2)
    monkeypatch.setitem(TASKS, JobKind.BULK_PART, Task(lambda job: ran.append(job.id)))
    with write_transaction():
        job_id = services.submit(manager, JobKind.BULK_PART, {"codes": []}, key=None, queued=False)[0].id
    outcomes = []

    def worker():
        with app.app_context():
            entered.wait()
            outcomes.append(run(job_id)[0])

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == [Outcome.DONE, Outcome.SKIPPED] and ran == [job_id]


@pytest.mark.parametrize("query, form, text", [
    ({"from": "2026-13-01"}, {}, "dates are written YYYY-MM-DD"),
    ({}, {"region": "West"}, "there is no region “West” among yours"),
    ({}, {"kind": "visit"}, "the scorecards are of branch or staff"),
])
def test_bad_input_is_refused_with_a_translated_400(app, client, manager, query, form, text):
    manager.locale = "en"
    db.session.commit()
    response = client.post("/scorecards/bulk", query_string={**PERIOD, **query},
                           data={"kind": "branch", "region": "East", **form})
    assert response.status_code == 400 and text[1:] in response.get_data(as_text=True)
    assert factories.count(Job) == 0


def test_only_managers_and_admins_ask_and_only_the_creator_follows(app, client, manager, users):
    job = job_of(bulk(client))
    settle(app)
    other_manager = factories.make_user("manager", regions=("East",))
    db.session.commit()
    for user, status in ((other_manager, 404), (users["admin"], 404), (users["inspector"], 404)):
        other = app.test_client()
        factories.login(other, user)
        for path in (f"/jobs/{job.id}", f"/jobs/{job.id}/status", f"/jobs/{job.id}/download"):
            assert other.get(path).status_code == status, (user.role, path)
    inspector = app.test_client()
    factories.login(inspector, users["inspector"])
    assert bulk(inspector).status_code == 403
    assert client.get(f"/jobs/{uuid.uuid4().hex}").status_code == 404


# -- retries and failures -------------------------------------------------------------------------

def _failing(calls: list):
    def run_part(job):
        calls.append(job.attempts)
        raise RuntimeError("the PDF engine fell over")
    return Task(run_part)


def test_a_failing_part_is_retried_up_to_the_limit_then_failed_and_shown_to_admins(app, client, manager, users,
                                                                                   on_rq, monkeypatch):
    app.config.update(JOBS_MAX_ATTEMPTS=3, METRICS_TOKEN="scrape")
    manager.locale = "en"
    calls = []
    monkeypatch.setitem(TASKS, JobKind.BULK_PART, _failing(calls))
    job = job_of(bulk(client))
    work(app)
    assert calls == [1, 2, 3]  # RQ's Retry and the job's own count agree
    db.session.expire_all()
    part = db.session.scalar(select(Job).where(Job.parent_id == job.id))
    assert part.status == JobStatus.FAILED and part.attempts == 3 and "the PDF engine fell over" in part.error
    assert db.session.get(Job, job.id).status == JobStatus.FAILED
    status = client.get(f"/jobs/{job.id}/status").get_json()
    assert status["status"] == "failed" and status["download"] is None and "administrator" in status["message"]
    admin = app.test_client()
    factories.login(admin, users["admin"])
    page = admin.get("/admin/jobs").get_data(as_text=True)
    assert "RuntimeError: the PDF engine fell over" in page
    assert client.get("/admin/jobs").status_code == 403
    metrics = client.get("/metrics", headers={"Authorization": "Bearer scrape"}).get_data(as_text=True)
    assert "inspection_job_failures 2.0" in metrics  # the part and the job it failed
    assert f'inspection_job_queue_depth{{queue="{on_rq}"}} 0.0' in metrics
    # Fixed now: an admin tries it again, and it goes through.
    monkeypatch.setitem(TASKS, JobKind.BULK_PART, Task(lambda part_job: None))
    assert admin.post(f"/admin/jobs/{job.id}/retry").status_code == 302
    db.session.expire_all()
    assert db.session.get(Job, part.id).status == JobStatus.QUEUED


def test_in_process_retries_stop_at_the_limit(app, client, manager, monkeypatch):
    app.config.update(JOBS_MAX_ATTEMPTS=2, JOBS_RETRY_SECONDS=[0])
    calls = []
    monkeypatch.setitem(TASKS, JobKind.BULK_PART, _failing(calls))
    job = job_of(bulk(client))
    settle(app)
    assert calls == [1, 2]
    db.session.expire_all()
    assert db.session.get(Job, job.id).status == JobStatus.FAILED


def test_a_problem_fails_at_once_and_is_told_in_the_readers_language(app, client, manager):
    manager.locale = "en"
    missing = str(uuid.uuid4())
    with write_transaction():
        job_id = services.submit(manager, JobKind.VISIT_SCORECARD, {"visit": missing, "named": True}, key=None)[0].id
    settle(app)
    failed = db.session.get(Job, job_id)
    assert failed.status == JobStatus.FAILED and failed.attempts == 1  # not tried again: it cannot succeed
    assert client.get(f"/jobs/{job_id}/status").get_json()["message"] == f"no visit {missing}"


# -- the other uses -------------------------------------------------------------------------------

@pytest.fixture
def visit(app, users, org, small):
    sub = factories.submission(answers={"clerk": "E1-S1", "clean": True, "greet": 4})
    with write_with_files(media_store()) as files:
        created, _ = submit_visit(users["inspector"], factories.small_checklist(), sub, files)
    db.session.commit()
    return created


def test_a_visit_pdf_is_made_by_a_worker_then_sent_from_the_cache(app, client, manager, visit, on_rq):
    asked = client.get(f"/visits/{visit.uuid}/scorecard.pdf")
    job = job_of(asked)
    assert job.kind == JobKind.VISIT_SCORECARD
    assert job_of(client.get(f"/visits/{visit.uuid}/scorecard.pdf")).id == job.id  # asked again: the same job
    work(app)
    made = download(client, job)
    assert made.status_code == 200 and made.mimetype == "application/pdf" and str(visit.uuid) in pdf_text(made.data)
    cached = client.get(f"/visits/{visit.uuid}/scorecard.pdf")
    assert cached.status_code == 200 and cached.data == made.data


def test_a_large_export_is_a_job_whose_file_is_the_streamed_one(app, client, manager, visit):
    streamed = client.get("/exports/visits.csv", query_string=PERIOD)
    assert streamed.status_code == 200
    app.config["EXPORT_JOB_ROWS"] = 0
    job = job_of(client.get("/exports/visits.csv", query_string=PERIOD))
    settle(app)
    made = download(client, job)
    assert made.status_code == 200 and made.data == streamed.data and str(visit.uuid) in made.data.decode()
    assert made.headers["Content-Disposition"] == "attachment; filename=visits-2026-10-01-2026-11-30.csv"
    xlsx = job_of(client.get("/exports/answers.xlsx", query_string=PERIOD))
    settle(app)
    assert download(client, xlsx).data[:2] == b"PK"


def test_mail_queued_by_a_commit_is_sent_by_a_worker(app, users, on_rq):
    handler = Inbox()
    controller = EphemeralController(handler, hostname="127.0.0.1", port=0)
    controller.start()
    try:
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port)
        notify(users["shopper"], "visit.released", {"score": 90})
        notify(users["inspector"], "visit.released", {"score": 90})
        db.session.commit()
        assert [job.kind for job in db.session.scalars(select(Job))] == [JobKind.MAIL]  # one per transaction
        work(app)
    finally:
        controller.stop()
    assert sorted(recipients[0] for recipients, _ in handler.messages) == sorted(
        [users["shopper"].email, users["inspector"].email])


def test_a_large_plan_is_created_by_a_job_with_its_months_as_progress(app, client, manager):
    factories.make_user("shopper", regions=("East",))
    db.session.commit()  # the preview rolls back what it read: the shopper must be there before
    app.config["PLAN_JOB_VISITS"] = 0
    form = {"name": "Q1", "region": "East", "first_month": "2027-01", "months": "2", "count.mystery-shop": "1",
            "count.branch-inspection": "1"}
    page = client.post("/plans/new", data=form).get_data(as_text=True)
    digest = page.split('name="digest" value="')[1].split('"')[0]
    job = job_of(client.post("/plans/new", data={**form, "digest": digest, "create": "1"}))
    assert job.kind == JobKind.PLAN and job.progress_total == 3
    settle(app)
    state = client.get(f"/jobs/{job.id}/status").get_json()
    assert state["status"] == "done" and (state["done"], state["total"]) == (3, 3)
    assert state["link"] == "/assignments?from=2027-01-01" and factories.count(Assignment) == 8


# -- expiry and the commands ----------------------------------------------------------------------

def test_files_expire_and_asking_again_makes_a_new_job(app, client, manager, runner):
    job = job_of(bulk(client))
    settle(app)
    with write_transaction():
        db.session.execute(update(Job).where(Job.id == job.id)
                           .values(finished_at=utcnow() - timedelta(hours=25)).execution_options(
                               synchronize_session=False))
    assert "expired 1 files" in runner.invoke(args=["jobs", "cleanup"]).output
    assert not outputs.exists(f"{job.id}/scorecards.zip") and download(client, job).status_code == 404
    again = job_of(bulk(client))  # asked for again: a new job
    assert again.id != job.id
    assert "expired 0 files" in runner.invoke(args=["jobs", "cleanup"]).output


def test_a_finished_export_or_bulk_job_is_made_again_when_asked_again(app, client, manager):
    job = job_of(bulk(client))
    settle(app)
    assert db.session.get(Job, job.id).status == JobStatus.DONE
    again = job_of(bulk(client))  # new releases or a changed scope since: never the old file
    assert again.id != job.id and download(client, job).status_code == 200


def test_cleanup_leaves_a_long_bulk_job_whose_parts_still_work(app, client, manager, runner):
    job = job_of(bulk(client))
    settle(app)
    long_ago = utcnow() - timedelta(hours=30)
    with write_transaction():
        db.session.execute(update(Job).where(Job.id == job.id).values(status=JobStatus.RUNNING, started_at=long_ago)
                           .execution_options(synchronize_session=False))
    runner.invoke(args=["jobs", "cleanup"])
    assert db.session.get(Job, job.id).status == JobStatus.RUNNING


def test_the_worker_command_runs_a_bulk_job_in_forked_work_horses(app, client, manager, on_rq):
    app.config["JOBS_BULK_BATCH"] = 1
    job = job_of(bulk(client))
    url = app.config["DATABASE_URL"]
    options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {}).get("options")
    if options:  # the test's private PostgreSQL schema, said in the URL the worker reads
        url += f"?options={quote(options)}"
    settings = {"DATABASE_URL": url, "MEDIA_DIR": app.config["MEDIA_DIR"],
                "REDIS_URL": REDIS_URL, "JOBS_QUEUE_NAME": on_rq, "SECRET_KEY": "test-secret", "ENV_NAME": "testing"}
    env = {**os.environ, "PYTHONPATH": str(ROOT), **{f"INSPECTION_{key}": value for key, value in settings.items()}}
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "jobs", "worker", "--burst", "--fork"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    db.session.rollback()
    assert client.get(f"/jobs/{job.id}/status").get_json()["status"] == "done"
    assert zip_of(client, job).namelist() == ["branch-E1.pdf", "branch-E2.pdf"]


def test_the_worker_command_needs_a_queue(app, runner):
    result = runner.invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code != 0 and "INSPECTION_REDIS_URL" in result.output


@pytest.mark.parametrize("settings, message", [({"JOBS_QUEUE": "rq"}, "needs INSPECTION_REDIS_URL"),
                                               ({"JOBS_QUEUE": "celery"}, "must be rq or inline")])
def test_a_queue_that_cannot_work_stops_the_start(database, tmp_path, settings, message):
    with pytest.raises(RuntimeError, match=message):
        create_app(_test_config({**database, **settings}, tmp_path))
