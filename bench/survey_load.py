"""The server side of the survey load run (bench/bench_survey.py): a Redis for the limiter, gunicorn, a link."""

import shutil
import signal
import socket
import subprocess
import time
from contextlib import contextmanager
from pathlib import Path

import flask_migrate

from inspection import create_app
from inspection.auth.services import add_user
from inspection.db import write_transaction
from inspection.extensions import db
from inspection.org.models import Branch
from inspection.surveys import services

from load_server import PROJECT_DIR, serve


def settings(url: str, media: Path, redis_url: str, options) -> dict:
    """Return the server's settings: the database, the shipped checklists, the limits and fill time of the run."""
    return {"DATABASE_URL": url, "MEDIA_DIR": str(media), "SECRET_KEY": "survey-bench", "ENV_NAME": "bench",
            "PASSWORD_HASH_PROFILE": "CHEAPEST", "CHECKLIST_DIR": str(PROJECT_DIR / "checklists"),
            "REDIS_URL": redis_url, "SURVEY_MIN_SECONDS": str(options.min_seconds),
            "SURVEY_RATE_PER_ADDRESS": options.address_limit, "SURVEY_RATE_PER_LINK": options.link_limit}


def seed(config: dict) -> str:
    """Migrate the database, add a branch and its manager, turn the SERVQUAL survey's link on; return its token."""
    app = create_app(config)
    with app.app_context():
        flask_migrate.upgrade(directory=app.extensions["migrate"].directory)
        with write_transaction():
            db.session.add(Branch(code="SH01", name="上海人民广场营业厅", region="华东", address=""))
            db.session.flush()
            manager = add_user("manager@example.com", "经理", "manager", "Lanmao-qiuqiu-88", regions=("华东",))
            token = services.enable(manager, "servqual-survey", "SH01")[0].token
        db.session.remove()
        db.engine.dispose()
    return token


def free_port() -> int:
    """Return a loopback port free at this moment."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def redis(folder: Path):
    """Yield the URL of a Redis of its own on loopback, stopped by its pid; '' when redis-server is missing."""
    binary = shutil.which("redis-server")
    if binary is None:
        yield ""
        return
    port = free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                                "no", "--dir", str(folder)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=15)


@contextmanager
def gunicorn(config: dict, workers: int, log: Path):
    """Serve the app on a free loopback port with gunicorn; yield the port; stop it by its pid."""
    with serve(config, workers, log) as server:
        yield server.port


