"""A server killed with SIGKILL at the worst instants of a submission with photos loses nothing.

Each case starts tests/crash_server.py paused at one instant (see its docstring), kills it there,
retries the very same request on a fresh server process and checks that every photo is served and that
`flask media check --repair` finds nothing missing and leaves nothing unreferenced, on the local folder and on
a bucket in moto's S3 alike.
The old design (commit, then move the staged files into place) fails the after_commit case: the
visit is committed, its files are still in tmp, the retry is answered 200 without writing them, and
the photo URLs answer 404.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from inspection.api.tokens import create_token
from inspection.extensions import db, media_store
from inspection.photos.reconcile import stored_files
from inspection.photos.storage import content_name, thumbnail_name
from inspection.visits.models import Visit

from . import factories
from .conftest import BOTH_STORAGES

PROJECT_DIR = Path(__file__).resolve().parent.parent
WAIT_SECONDS = 20
# Where each pause stops: before the commit nothing is stored, so the retry creates (201); after it
# the visit exists, so the retry is recognised (200).
RETRY_STATUS = {"before_commit": 201, "after_commit": 200, "before_response": 200}
BOUNDARY = "crash-test-boundary-7f3a"
MEDIA_SETTINGS = ("MEDIA_STORAGE", "MEDIA_DIR", "S3_BUCKET", "S3_ENDPOINT_URL", "S3_REGION")


@pytest.fixture
def token(app) -> str:
    """Seed an organisation and an inspector, committed so that the server process sees them."""
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    factories.make_org()
    secret = create_token(factories.make_user("inspector", regions=("East",)))[1]
    db.session.commit()
    return secret


def server_env(app, database: dict) -> dict:
    """Return the environment that points a server process at this test's database and media."""
    url = database["DATABASE_URL"]
    options = database.get("SQLALCHEMY_ENGINE_OPTIONS", {}).get("connect_args", {}).get("options")
    if options:  # PostgreSQL: the test's private schema, through libpq's options parameter
        url = make_url(url).update_query_dict({"options": options}).render_as_string(hide_password=False)
    env = {name: value for name, value in os.environ.items() if not name.startswith("INSPECTION_")}
    env.update({f"INSPECTION_{name}": app.config[name] for name in MEDIA_SETTINGS})
    env.update(INSPECTION_DATABASE_URL=url,
               INSPECTION_SECRET_KEY="test-secret", INSPECTION_ENV_NAME="testing",
               INSPECTION_PASSWORD_HASH_PROFILE="CHEAPEST", INSPECTION_CHECKLIST_DIR=str(factories.FIXTURES),
               PYTHONPATH=str(PROJECT_DIR))
    return env


def wait_for(condition, process: subprocess.Popen, log: Path) -> None:
    """Wait (bounded) until condition() holds; fail early with the server's log if it died."""
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if process.poll() is not None:
            pytest.fail(f"server exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        if time.monotonic() > deadline:
            pytest.fail(f"gave up after {WAIT_SECONDS} s:\n{log.read_text(errors='replace')}")
        time.sleep(0.02)


def kill(process: subprocess.Popen) -> None:
    """SIGKILL the server by its pid and reap it."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=WAIT_SECONDS)


@contextmanager
def servers(*envs: dict, workdir: Path):
    """Run one tests/crash_server.py per environment on loopback ports; always kill them afterwards.

    They start side by side to save a start-up: a replacement is used only after the first is killed,
    and a server touches neither the database nor the media before its first request.
    """
    started = []
    try:
        for number, env in enumerate(envs):
            port_file, log = workdir / f"port-{number}", workdir / f"server-{number}.log"
            with open(log, "wb") as output:
                process = subprocess.Popen([sys.executable, "-m", "tests.crash_server", str(port_file)],
                                           cwd=PROJECT_DIR, env=env, stdout=output, stderr=subprocess.STDOUT)
            started.append(SimpleNamespace(process=process, port_file=port_file, log=log))
        for each in started:
            wait_for(each.port_file.exists, each.process, each.log)
            each.port = int(each.port_file.read_text())
        yield started
    finally:
        for each in started:
            kill(each.process)


def multipart(visit: dict, photos: list[tuple[str, bytes]]) -> bytes:
    """Encode the visit JSON and photo files as a multipart body, the same bytes on every call."""
    parts = [b'Content-Disposition: form-data; name="visit"\r\n\r\n' + json.dumps(visit).encode()]
    for number, (item_id, data) in enumerate(photos):
        parts.append(f'Content-Disposition: form-data; name="photo.{item_id}"; filename="{number}.jpg"\r\n'
                     "Content-Type: image/jpeg\r\n\r\n".encode() + data)
    separator = f"--{BOUNDARY}\r\n".encode()
    return b"".join(separator + part + b"\r\n" for part in parts) + f"--{BOUNDARY}--\r\n".encode()


def send(port: int, method: str, url: str, token: str, body: bytes | None = None) -> http.client.HTTPConnection:
    """Send a request and return the connection, its answer not yet read."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT_SECONDS)
    headers = {"Authorization": f"Bearer {token}"}
    if body is not None:
        headers["Content-Type"] = f"multipart/form-data; boundary={BOUNDARY}"
    connection.request(method, url, body=body, headers=headers)
    return connection


def fetch(port: int, method: str, url: str, token: str, body: bytes | None = None):
    """Return (status, content type, body) of one request."""
    connection = send(port, method, url, token, body)
    try:
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()


def committed_visits() -> int:
    """Count the visits any other connection can see now."""
    count = db.session.scalar(select(func.count()).select_from(Visit))
    db.session.rollback()  # keep no snapshot open while the server writes
    return count


def crash_at(first, body: bytes, token: str, marker: Path) -> list[str]:
    """Submit to the paused server, SIGKILL it at the pause; return the stored files it had written."""
    connection = send(first.port, "POST", "/api/v1/visits", token, body)
    wait_for(marker.exists, first.process, first.log)
    written = sorted(stored_files(media_store()))
    kill(first.process)
    with pytest.raises((ConnectionError, http.client.HTTPException)):
        connection.getresponse()  # the client never hears back, so it will retry
    connection.close()
    return written


def assert_photos_served(port: int, token: str, visit_id: str) -> set[str]:
    """Check that every photo and thumbnail of the visit is served whole; return their names."""
    status, _, raw = fetch(port, "GET", f"/api/v1/visits/{visit_id}", token)
    assert status == 200, raw
    photos = json.loads(raw)["photos"]
    assert sorted(photo["item"] for photo in photos) == ["clean", "overview"]
    for photo in photos:
        status, mimetype, image = fetch(port, "GET", photo["url"], token)
        assert (status, mimetype) == (200, "image/jpeg") and content_name(image) == photo["name"]
        status, mimetype, thumbnail = fetch(port, "GET", photo["thumbnail"], token)
        assert (status, mimetype) == (200, "image/jpeg") and thumbnail[:3] == b"\xff\xd8\xff"
    return {name for photo in photos for name in (photo["name"], thumbnail_name(photo["name"]))}


@BOTH_STORAGES
@pytest.mark.parametrize("point", list(RETRY_STATUS))
def test_a_submission_killed_at_the_worst_instant_is_whole_after_a_retry(
        app, database, runner, token, tmp_path, point):
    env, visit, marker = server_env(app, database), factories.api_visit(), tmp_path / "paused"
    body = multipart(visit, [("overview", factories.jpeg_bytes(320, 240)),
                             ("clean", factories.jpeg_bytes(240, 320, colour=(20, 90, 160)))])
    paused = {**env, "CRASH_PAUSE_AT": point, "CRASH_MARKER": str(marker)}
    with servers(paused, env, workdir=tmp_path) as (first, second):
        written = crash_at(first, body, token, marker)
        assert len(written) == 4  # both photos and thumbnails are stored before the commit
        assert committed_visits() == (0 if point == "before_commit" else 1)
        status, _, raw = fetch(second.port, "POST", "/api/v1/visits", token, body)
        assert status == RETRY_STATUS[point], raw
        names = assert_photos_served(second.port, token, visit["id"])
    assert committed_visits() == 1
    repaired = runner.invoke(args=["media", "check", "--repair", "--grace-minutes", "0"])
    assert repaired.exit_code == 0 and "0 missing" in repaired.output, repaired.output
    assert set(stored_files(media_store())) == names == set(written)
    assert list(media_store().leftovers()) == []  # no partial write is left behind
    clean = runner.invoke(args=["media", "check", "--grace-minutes", "0"])
    assert clean.exit_code == 0, clean.output


@BOTH_STORAGES
def test_a_submission_killed_before_its_commit_leaves_files_only_the_collector_takes(
        app, database, runner, token, tmp_path):
    env, marker = server_env(app, database), tmp_path / "paused"
    body = multipart(factories.api_visit(), [("overview", factories.jpeg_bytes(320, 240))])
    with servers({**env, "CRASH_PAUSE_AT": "before_commit", "CRASH_MARKER": str(marker)}, workdir=tmp_path) as [first]:
        written = crash_at(first, body, token, marker)  # never retried: its files stay unnamed
    assert committed_visits() == 0 and len(written) == 2
    young = runner.invoke(args=["media", "check", "--repair"])
    assert young.exit_code == 0 and "2 recent left alone" in young.output, young.output
    assert sorted(stored_files(media_store())) == written  # within the grace period a commit may still name them
    old = runner.invoke(args=["media", "check", "--repair", "--grace-minutes", "0"])
    assert old.exit_code == 0 and "0 missing" in old.output and "2 unreferenced (2 removed)" in old.output, old.output
    assert stored_files(media_store()) == {}
