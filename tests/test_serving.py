"""Production serving: gunicorn with gunicorn.conf.py, readiness, request ids, JSON logs and protected metrics."""

from __future__ import annotations

import gzip
import http.client
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from prometheus_client import REGISTRY

from inspection import create_app
from inspection.extensions import db
from inspection.web.observability import JsonFormatter, request_id

from .conftest import _test_config
from .test_crash import PROJECT_DIR, WAIT_SECONDS, server_env, wait_for

LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")
TOKEN = "metrics-secret-for-tests"


@contextmanager
def gunicorn(app, database: dict, workdir: Path):
    """Run `gunicorn -c gunicorn.conf.py app:app` on a free loopback port; stop it by its pid."""
    env = server_env(app, database)
    env.update(INSPECTION_BIND="127.0.0.1:0", INSPECTION_WORKERS="2", INSPECTION_METRICS_TOKEN=TOKEN,
               PROMETHEUS_MULTIPROC_DIR=str(workdir / "metrics"))
    env.pop("INSPECTION_LOG_FORMAT", None)  # the configuration's own default: JSON
    log = workdir / "gunicorn.log"
    with open(log, "wb") as output:
        process = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "app:app"],
                                   cwd=PROJECT_DIR, env=env, stdin=subprocess.DEVNULL, stdout=output,
                                   stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: LISTENING.search(log.read_text(errors="replace")), process, log)
        yield int(LISTENING.search(log.read_text(errors="replace"))[1]), log
    finally:
        terminate(process)


def terminate(process: subprocess.Popen, seconds: float = WAIT_SECONDS) -> None:
    """Stop a server by its pid: TERM (a gunicorn master stops its workers; KILL would orphan them), then KILL."""
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=seconds)


def get(port: int, path: str, **headers) -> tuple[int, dict, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=WAIT_SECONDS)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def log_lines(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines() if line.startswith("{")]


def test_gunicorn_serves_the_app_with_gzip_json_logs_and_metrics(app, database, tmp_path):
    with gunicorn(app, database, tmp_path) as (port, log):
        assert get(port, "/healthz")[0] == 200
        status, _, body = get(port, "/readyz")
        assert (status, json.loads(body)) == (200, {"status": "ready", "checks": {"database": "ok", "storage": "ok"}})
        status, headers, body = get(port, "/login", **{"Accept-Encoding": "gzip", "X-Request-ID": "trace-42"})
        assert (status, headers["content-encoding"], headers["x-request-id"]) == (200, "gzip", "trace-42")
        assert b"<form" in gzip.decompress(body)
        assert get(port, "/metrics")[0] == 401
        assert get(port, "/metrics", Authorization="Bearer wrong")[0] == 401
        status, headers, body = get(port, "/metrics", Authorization=f"Bearer {TOKEN}")
        assert status == 200 and headers["content-type"].startswith("text/plain")
        # Both workers' counts, added up from their files: /healthz was asked exactly once.
        assert 'inspection_http_requests_total{endpoint="/healthz",method="GET",status="200"} 1.0' in body.decode()
        assert 'inspection_http_request_duration_seconds_count{endpoint="/login",method="GET"} 1.0' in body.decode()
        deadline = time.monotonic() + WAIT_SECONDS
        while not [line for line in log_lines(log) if line.get("request_id") == "trace-42"]:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
    [line] = [line for line in log_lines(log) if line.get("request_id") == "trace-42"]
    assert line["logger"] == "inspection.access" and line["level"] == "INFO"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/login", 200)
    assert line["duration_ms"] >= 0 and line["time"].endswith("+00:00")


@pytest.fixture
def fresh(database, tmp_path):
    """Return a factory of apps on the test database, each request in its own context (g starts empty)."""
    made = []

    def make(**settings):
        made.append(create_app(_test_config({**database, **settings}, tmp_path / "media")))
        return made[-1]
    yield make
    for app in made:
        with app.app_context():
            db.engine.dispose()


def test_readiness_fails_when_the_media_folder_takes_no_files(fresh, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the media folder should be")
    response = fresh(MEDIA_DIR=str(blocker)).test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "checks": {"database": "ok", "storage": "failed"}}


def test_readiness_fails_when_the_database_does_not_answer(fresh, tmp_path):
    client = fresh(DATABASE_URL=f"sqlite:///{tmp_path / 'missing' / 'nowhere.sqlite3'}",
                   SQLALCHEMY_ENGINE_OPTIONS={}).test_client()
    response = client.get("/readyz")
    assert (response.status_code, response.get_json()["checks"]) == (503, {"database": "failed", "storage": "ok"})
    assert client.get("/healthz").status_code == 200  # the process itself is up


def test_readiness_checks_redis_only_when_one_is_configured(fresh):
    # Port 1 on loopback: nothing listens there, so the connection is refused at once.
    response = fresh(REDIS_URL="redis://127.0.0.1:1/0").test_client().get("/readyz")
    assert (response.status_code, response.get_json()["checks"]["redis"]) == (503, "failed")
    assert "redis" not in fresh().test_client().get("/readyz").get_json()["checks"]


@pytest.mark.parametrize("header", ["abc-123", "A.b_c", "x" * 64])
def test_a_safe_request_id_is_kept(header):
    assert request_id(header) == header


@pytest.mark.parametrize("header", [None, "", "x" * 65, "a b", "id\nforged: line", "<script>", "é"])
def test_an_unsafe_or_missing_request_id_is_replaced(header):
    made = request_id(header)
    assert re.fullmatch(r"[0-9a-f]{32}", made) and made != request_id(header)


def test_every_answer_names_its_request_and_json_records_carry_it(fresh):
    app = fresh()
    client = app.test_client()
    assert client.get("/healthz", headers={"X-Request-ID": "bad id"}).headers["X-Request-ID"] != "bad id"
    assert client.get("/nowhere", headers={"X-Request-ID": "r-1"}).headers["X-Request-ID"] == "r-1"
    with app.test_request_context("/healthz", headers={"X-Request-ID": "r-2"}):
        app.preprocess_request()
        record = app.logger.makeRecord("inspection", 30, __file__, 1, "disk %s", ("full",), None)
        entry = json.loads(JsonFormatter().format(record))
    assert entry["request_id"] == "r-2"
    assert (entry["level"], entry["logger"], entry["message"]) == ("WARNING", "inspection", "disk full")


def count(endpoint: str, status: str) -> float:
    return REGISTRY.get_sample_value("inspection_http_requests_total",
                                     {"method": "GET", "endpoint": endpoint, "status": status}) or 0.0


def test_metrics_count_requests_by_rule_and_need_the_token(fresh):
    assert fresh().test_client().get("/metrics").status_code == 404  # no token configured: no metrics
    client = fresh(METRICS_TOKEN=TOKEN).test_client()
    before, unmatched = count("/healthz", "200"), count("<unmatched>", "404")
    for _ in range(3):
        client.get("/healthz")
    client.get("/no/such/page")
    assert (count("/healthz", "200") - before, count("<unmatched>", "404") - unmatched) == (3, 1)
    refused = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}x"})
    assert refused.status_code == 401 and refused.headers["WWW-Authenticate"].startswith("Bearer")
    served = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert served.status_code == 200 and b"inspection_http_request_duration_seconds_bucket" in served.data


def test_styles_and_icons_carry_their_hash_and_are_kept_for_a_year(client):
    page = client.get("/login").get_data(as_text=True)
    [address] = re.findall(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', page)
    assert 'src="/static/js/app.js"' in page  # modules keep plain addresses: imported by them too
    kept = client.get(address)
    assert kept.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    kept.close()
    for stale in ("/static/css/app.css", "/static/css/app.css?v=000000000000"):
        answer = client.get(stale)  # no hash, or another content's: the browser must ask again
        assert answer.status_code == 200 and "immutable" not in answer.headers.get("Cache-Control", "")
        answer.close()


def test_the_crontab_and_systemd_units_run_commands_that_exist(runner):
    """Every periodic command in docs/crontab is one of the app's; the units start what the Procfile names."""
    lines = [line for line in (PROJECT_DIR / "docs" / "crontab").read_text().splitlines()
             if line.strip() and not line.startswith(("#", "SHELL="))]
    assert len(lines) >= 5
    for line in lines:
        command = shlex.split(line.split(".venv/bin/flask --app app ", 1)[1])
        words = [word for word in command if not word.startswith("/")]  # a folder argument is the machine's
        result = runner.invoke(args=[*words, "--help"])
        assert result.exit_code == 0, (line, result.output)
    procfile = (PROJECT_DIR / "Procfile").read_text()
    for unit in (PROJECT_DIR / "docs" / "systemd").glob("*.service"):
        for start in re.findall(r"^ExecStart=/srv/inspection/(.+)$", unit.read_text(), re.M):
            assert f": {start}\n" in procfile, (unit.name, start)


def test_a_worker_freezes_what_building_the_app_allocated(tmp_path):
    check = ("import gc, runpy; hooks = runpy.run_path('gunicorn.conf.py'); before = gc.get_freeze_count(); "
             "hooks['post_worker_init'](None); assert before == 0 < gc.get_freeze_count(), gc.get_freeze_count()")
    done = subprocess.run([sys.executable, "-c", check], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stderr
