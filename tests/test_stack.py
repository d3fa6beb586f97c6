"""The production stack on loopback, started from the Procfile: gunicorn, a job worker, PostgreSQL, Redis, moto's S3.

One walk through it as a field team and a manager would: submit a visit with photos, fetch a photo, print its
scorecard through the queue, a bulk ZIP of branch scorecards, and an export made by a job.
"""

from __future__ import annotations

import html
import http.cookiejar
import io
import json
import re
import shlex
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
import zipfile
from contextlib import ExitStack, contextmanager
from pathlib import Path

import pytest
from sqlalchemy import select

from inspection.api.tokens import create_token
from inspection.extensions import db
from inspection.review.services import review
from inspection.visits.models import Visit

from . import factories
from .test_crash import PROJECT_DIR, assert_photos_served, fetch, multipart, server_env
from .test_serving import LISTENING, TOKEN, terminate

WAIT_SECONDS = 60
PROCFILE = PROJECT_DIR / "Procfile"
pytestmark = [pytest.mark.parametrize("database", ["postgresql"], indirect=True),
              pytest.mark.parametrize("media_settings", ["s3"], indirect=True)]


def procfile() -> dict[str, list[str]]:
    """Return the Procfile's processes as argument lists, the virtualenv's programs found next to this Python."""
    processes = {}
    for line in PROCFILE.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            words = shlex.split(command)
            assert words[0].startswith(".venv/bin/"), line
            processes[name] = [str(Path(sys.executable).parent / words[0].removeprefix(".venv/bin/")), *words[1:]]
    return processes


@contextmanager
def started(command: list[str], env: dict, log: Path):
    """Run one Procfile process; stop it by its pid with TERM (gunicorn stops its workers), then KILL."""
    with open(log, "wb") as output:
        process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdin=subprocess.DEVNULL, stdout=output,
                                   stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        terminate(process, 30)


def wait_until(condition, processes: list[tuple[subprocess.Popen, Path]]):
    """Return condition()'s first true value (bounded); fail with the logs if a process died or time ran out."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not (value := condition()):
        for process, log in processes:
            if process.poll() is not None:
                pytest.fail(f"{process.args} exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        if time.monotonic() > deadline:
            logs = "\n".join(log.read_text(errors="replace")[-3000:] for _, log in processes)
            pytest.fail(f"gave up after {WAIT_SECONDS} s:\n{logs}")
        time.sleep(0.1)
    return value


class Browser:
    """A signed-in manager's session over HTTP, with cookies, the sign-in form's CSRF token and redirects."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def open(self, path: str, form: dict | None = None):
        data = None if form is None else urllib.parse.urlencode({**form, "csrf_token": self.csrf}).encode()
        return self.opener.open(self.base + path, data=data, timeout=WAIT_SECONDS)

    def sign_in(self, email: str) -> None:
        page = self.opener.open(self.base + "/login", timeout=WAIT_SECONDS).read().decode()
        self.csrf = html.unescape(re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1])
        with self.open("/login", {"email": email, "password": factories.PASSWORD}) as answer:
            assert "/login" not in answer.url

    def job_result(self, path: str, form: dict | None = None, wait=None) -> tuple[str, bytes]:
        """Ask for something a job makes: follow to the job's page, poll its status, download the file."""
        with self.open(path, form) as answer:
            job_page = urllib.parse.urlparse(answer.url).path
        assert re.fullmatch(r"/jobs/[0-9a-f-]+", job_page), job_page

        def ready():
            with self.open(job_page + "/status") as answer:
                state = json.loads(answer.read())
            assert state["status"] != "failed", state
            return state["download"]
        with self.open(wait(ready)) as download:
            return download.headers["Content-Type"], download.read()


def test_the_procfile_stack_serves_a_visit_its_photos_pdf_bulk_zip_and_export(app, database, tmp_path):
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    factories.make_org()
    token = create_token(factories.make_user("inspector", regions=("East",)))[1]
    manager = factories.make_user("manager", regions=("East",))
    db.session.commit()
    processes = procfile()
    env = {**server_env(app, database), "INSPECTION_REDIS_URL": "redis://127.0.0.1:6379/0",
           "INSPECTION_JOBS_QUEUE": "rq", "INSPECTION_JOBS_QUEUE_NAME": f"stack-{uuid.uuid4().hex[:8]}",
           "INSPECTION_EXPORT_JOB_ROWS": "0", "INSPECTION_BIND": "127.0.0.1:0", "INSPECTION_WORKERS": "2",
           "INSPECTION_METRICS_TOKEN": TOKEN, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics")}
    release = subprocess.run(processes["release"], cwd=PROJECT_DIR, env=env, capture_output=True, timeout=120)
    assert release.returncode == 0, release.stderr.decode(errors="replace")
    with ExitStack() as stack:
        running = []
        for name in ("web", "worker"):
            log = tmp_path / f"{name}.log"
            running.append((stack.enter_context(started(processes[name], env, log)), log))
        web_log = running[0][1]
        port = int(wait_until(lambda: LISTENING.search(web_log.read_text(errors="replace")), running)[1])
        wait = lambda condition: wait_until(condition, running)  # noqa: E731

        visit = factories.api_visit()
        body = multipart(visit, [("overview", factories.jpeg_bytes(1600, 1200)),
                                 ("clean", factories.jpeg_bytes(1200, 1600, colour=(20, 90, 160)))])
        status, _, raw = fetch(port, "POST", "/api/v1/visits", token, body)
        assert status == 201, raw
        assert fetch(port, "POST", "/api/v1/visits", token, body)[0] == 200  # a retry is recognised
        assert len(assert_photos_served(port, token, visit["id"])) == 4

        stored = db.session.scalars(select(Visit).where(Visit.uuid == uuid.UUID(visit["id"]))).one()
        review(manager, stored, "release")
        db.session.commit()
        browser = Browser(f"http://127.0.0.1:{port}")
        browser.sign_in(manager.email)

        mimetype, pdf = browser.job_result(f"/visits/{visit['id']}/scorecard.pdf", wait=wait)
        assert mimetype == "application/pdf" and pdf.startswith(b"%PDF")
        period = "from=2026-11-01&to=2026-11-30"  # around the visit's day (factories.api_visit)
        mimetype, archive = browser.job_result(f"/scorecards/bulk?{period}",
                                               {"kind": "branch", "region": "East"}, wait=wait)
        names = zipfile.ZipFile(io.BytesIO(archive)).namelist()
        assert mimetype == "application/zip" and any("E1" in name for name in names), names
        mimetype, export = browser.job_result(f"/exports/visits.csv?{period}", wait=wait)
        assert mimetype.startswith("text/csv") and visit["id"] in export.decode("utf-8-sig")

        status, _, ready = fetch(port, "GET", "/readyz", token)
        assert status == 200 and json.loads(ready)["checks"] == {"database": "ok", "storage": "ok", "redis": "ok"}
        status, _, metrics = fetch(port, "GET", "/metrics", TOKEN)
        assert status == 200 and b"inspection_job_queue_depth{" in metrics and b"inspection_job_failures" in metrics
