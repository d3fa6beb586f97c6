"""The server side of the load run: a fresh database, a small organisation, gunicorn on loopback."""

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import flask_migrate
from sqlalchemy import create_engine, text

from inspection import create_app
from inspection.api.tokens import create_token
from inspection.auth.services import add_user
from inspection.config import normalise_url
from inspection.db import write_transaction
from inspection.extensions import db
from inspection.org.models import Branch, Staff

PROJECT_DIR = Path(__file__).resolve().parent.parent
POSTGRES_URL = normalise_url(os.environ.get("INSPECTION_TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test"))
REGIONS = ("华东", "华南")
BRANCHES, STAFF_PER_BRANCH = 10, 4
LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")


@dataclass
class Person:
    user_id: int
    token: str
    region: str | None = None


@dataclass
class Org:
    """Who sends what: inspectors (one region each), two managers of both regions, branches and staff."""

    inspectors: list[Person] = field(default_factory=list)
    managers: list[Person] = field(default_factory=list)
    branches: dict[str, list[str]] = field(default_factory=dict)  # region -> branch codes
    staff: dict[str, list[str]] = field(default_factory=dict)  # branch code -> staff codes


def postgres_problem() -> str | None:
    """Return why the PostgreSQL server cannot be used, or None when it can."""
    engine = create_engine(POSTGRES_URL, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure to reach the server is the answer
        return f"PostgreSQL at {POSTGRES_URL} is not reachable ({error.__class__.__name__}: {error})"
    finally:
        engine.dispose()
    return None


@contextmanager
def database(backend: str, folder: Path):
    """Yield the URL of an empty database: a SQLite file in the folder, or a private PostgreSQL schema."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'load.sqlite3'}"
        return
    schema = f"load_{uuid.uuid4().hex[:10]}"
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        # In the URL itself, so that gunicorn's workers reach the schema through one environment variable.
        yield f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def settings(url: str, media: Path | dict) -> dict:
    """Return an app's settings: this database, and a media folder or the settings of another store."""
    where = media if isinstance(media, dict) else {"MEDIA_DIR": str(media)}
    return {"DATABASE_URL": url, **where, "SECRET_KEY": "load-bench", "ENV_NAME": "bench",
            "PASSWORD_HASH_PROFILE": "CHEAPEST", "CHECKLIST_DIR": str(PROJECT_DIR / "checklists")}


def seed(url: str, media: Path | dict, inspectors: int, branches: int = BRANCHES) -> Org:
    """Migrate the database, then add branches with staff in two regions, inspectors and managers with tokens."""
    app = create_app(settings(url, media))
    org = Org()
    with app.app_context():
        flask_migrate.upgrade(directory=app.extensions["migrate"].directory)
        with write_transaction():
            for number in range(branches):
                region, code = REGIONS[number % len(REGIONS)], f"B{number:02d}"
                branch = Branch(code=code, name=f"营业厅 {number}", region=region, address="")
                branch.staff = [Staff(code=f"{code}-S{s}", name=f"员工 {code}-{s}", position="营业员")
                                for s in range(STAFF_PER_BRANCH)]
                db.session.add(branch)
                org.branches.setdefault(region, []).append(code)
                org.staff[code] = [member.code for member in branch.staff]
            db.session.flush()
            for number in range(inspectors):
                region = REGIONS[number % len(REGIONS)]
                user = add_user(f"inspector{number}@example.com", f"检查员 {number}", "inspector", "Lanmao-qiuqiu-88",
                                regions=(region,))
                org.inspectors.append(Person(user.id, create_token(user, "load")[1], region))
            for number in range(2):
                user = add_user(f"manager{number}@example.com", f"经理 {number}", "manager", "Lanmao-qiuqiu-88",
                                regions=REGIONS)
                org.managers.append(Person(user.id, create_token(user, "load")[1]))
        db.session.remove()
        db.engine.dispose()
    return org


@dataclass
class Server:
    pid: int
    port: int
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def gunicorn(url: str, media: Path, workers: int, log: Path):
    """Run gunicorn with the app on this database and media folder (see `serve`)."""
    return serve(settings(url, media), workers, log)


@contextmanager
def serve(config: dict, workers: int, log: Path, options: tuple[str, ...] = (), probe: str = "/healthz"):
    """Run gunicorn with the app factory and these settings on a free loopback port; stop it by its pid.

    `options` go before the others, e.g. ("-c", "gunicorn.conf.py", "--threads", "2") to serve as `make serve` does;
    the server counts as up once `probe` answers 200.
    """
    env = {name: value for name, value in os.environ.items() if not name.startswith("INSPECTION_")}
    env.update({f"INSPECTION_{name}": value for name, value in config.items()})
    env["PYTHONPATH"] = str(PROJECT_DIR)  # this checkout's app, whatever the virtualenv was installed from
    # No control socket: by default every gunicorn (25.1+) shares one in $HOME, and runs may overlap.
    command = [sys.executable, "-m", "gunicorn", *options, "--workers", str(workers), "--bind", "127.0.0.1:0",
               "--timeout", "60", "--graceful-timeout", "5", "--no-control-socket", "inspection:create_app()"]
    with open(log, "wb") as stderr:
        process = subprocess.Popen(command, cwd=PROJECT_DIR, env=env, stdin=subprocess.DEVNULL,
                                   stdout=stderr, stderr=stderr)
    try:
        server = Server(process.pid, 0, log)
        server.port = _wait_until_healthy(process, server, probe)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _wait_until_healthy(process: subprocess.Popen, server: Server, probe: str, seconds: float = 60) -> int:
    """Return the port once gunicorn says where it listens and the probe answers 200."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{server.log_text()[-3000:]}")
        found = LISTENING.search(server.log_text())
        if found:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{found[1]}{probe}", timeout=5) as answer:
                    if answer.status == 200:
                        return int(found[1])
            except OSError:
                pass  # workers still booting
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not become healthy in {seconds} s:\n{server.log_text()[-3000:]}")
