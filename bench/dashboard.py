"""Dashboards over 1,000,000 visits on PostgreSQL: 300 branches in 10 regions, 3,000 staff, two years of work.

Generates the world set-based in a private schema of the test database (dropped at the end), then times the
pages managers live on through the Flask test client, signed in, with warm caches: the staff leaderboard, a
branch scorecard page, a staff page, coverage, the review inbox and the manager's home (target: 300 ms each at
the 95th percentile). `BENCH_VISITS=20000 .venv/bin/python bench/run.py dashboard` runs a smaller world;
tests/test_dashboard_world.py builds one of 20,000 visits and checks it is shaped as the app writes it.
"""

from __future__ import annotations

import gc
import os
import statistics
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import flask_migrate
from flask_babel import force_locale, gettext
from sqlalchemy import create_engine, text

from inspection import create_app, localtime
from inspection.db import utcnow
from inspection.extensions import db

from dashboard_notices import build_notices
from dashboard_visits import build_visits
from dashboard_work import build_work
from dashboard_world import (
    BANDS,
    BRANCHES_PER_REGION,
    HELPER_TABLES,
    INSPECTORS_PER_REGION,
    PASSWORD,
    REGIONS,
    SHOPPERS_PER_REGION,
    TEMPLATES_PER_BAND,
    build_org,
    build_templates,
    checklists,
    people_table,
)

VISITS = int(os.environ.get("BENCH_VISITS", 1_000_000))
RUNS = int(os.environ.get("BENCH_RUNS", 20))
TARGET_MS = 300
POSTGRES_URL = os.environ.get("INSPECTION_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ADMIN, MANAGER = "admin@bench.example", "manager0.sh@bench.example"  # the manager of 上海区: 30 of 300 branches


def pages(today) -> dict[str, str]:
    """Return the pages timed, by name: one branch and one staff member of the manager's region."""
    year = f"from={today - timedelta(days=365)}&to={today}"
    return {"staff leaderboard (90 days)": "/performance/leaderboard",
            "staff leaderboard (1 year)": f"/performance/leaderboard?{year}",
            "branch page (90 days)": "/branches/SH001/scorecard",
            "branch page (1 year)": f"/branches/SH001/scorecard?{year}",
            "staff page (1 year)": f"/performance/staff/SH001-03?{year}",
            "performance overview (1 year)": f"/performance/?{year}",
            "coverage (month)": "/coverage",
            "inbox (newest)": "/visits",
            "inbox (submitted, oldest)": "/visits?status=submitted&sort=oldest",
            "home": "/"}


@contextmanager
def private_schema(url: str = POSTGRES_URL):
    """Yield the engine options of a new schema in the test database; drop it afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield {"connect_args": {"options": f"-csearch_path={schema}"}}
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def make_app(options: dict, media: Path, url: str = POSTGRES_URL):
    return create_app({"SECRET_KEY": "bench", "ENV_NAME": "bench", "PASSWORD_HASH_PROFILE": "CHEAPEST",
                       "WTF_CSRF_ENABLED": False, "DATABASE_URL": url, "MEDIA_DIR": str(media),
                       "SQLALCHEMY_ENGINE_OPTIONS": options})


def build(app, visits: int) -> dict:
    """Migrate and generate the world; return rows written per table and seconds per stage."""
    stages, written = {}, {}
    with app.test_request_context():
        flask_migrate.upgrade(directory=app.extensions["migrate"].directory)
        now = utcnow().replace(second=0, microsecond=0)
        zone, config = app.config["TIMEZONE"], app.config
        sizes = {"branches": len(REGIONS) * BRANCHES_PER_REGION, "bands": BANDS,
                 "per_band": TEMPLATES_PER_BAND, "inspectors": INSPECTORS_PER_REGION, "shoppers": SHOPPERS_PER_REGION,
                 "responses": visits * 15 // 100}  # customers answer about one for every seven visits
        with force_locale(config["BABEL_DEFAULT_LOCALE"]):  # as surveys.followups.case_title stores it
            title = gettext("Customer follow-up (score %(score).0f)")
        db.session.execute(text("SET synchronous_commit = off"))
        db.session.execute(text("SET maintenance_work_mem = '256MB'"))
        deferred: list[str] = []  # the indexes dropped while loading
        steps = (("organisation and answer sets", lambda: _organisation()),
                 ("dropping the big tables' indexes", lambda: deferred.extend(_drop_indexes()) or {}),
                 ("visits", lambda: build_visits(visits, now, zone, sizes)),
                 ("plans, actions and customers", lambda: build_work(now, zone, sizes, config, title)),
                 ("appeals and notifications", lambda: build_notices(now, localtime.today(), zone, config)),
                 ("indexes again", lambda: _create_indexes(deferred)))
        for name, step in steps:
            started = time.perf_counter()
            written.update(step())
            db.session.commit()
            stages[name] = time.perf_counter() - started
        for table in HELPER_TABLES:
            db.session.execute(text(f"DROP TABLE {table}"))
        db.session.execute(text("DROP FUNCTION bench_u"))
        db.session.commit()
        started = time.perf_counter()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))
        stages["vacuum and analyze"] = time.perf_counter() - started
        db.session.remove()
    return {"rows": written, "seconds": stages}


# Tables that take millions of rows: their plain indexes are built once at the end rather than row by row.
BIG_TABLES = ("visits", "staff_results", "visit_dimensions", "visit_events", "answers", "assignments",
              "corrective_actions", "notifications", "survey_responses")


def _drop_indexes() -> list[str]:
    """Drop the big tables' indexes that enforce nothing; return how to create them again."""
    found = db.session.execute(text(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
        "AND tablename = ANY(:tables) AND indexdef NOT LIKE 'CREATE UNIQUE %'"), {"tables": list(BIG_TABLES)}).all()
    for name, _ in found:
        db.session.execute(text(f'DROP INDEX "{name}"'))
    return [definition for _, definition in found]


def _create_indexes(definitions: list[str]) -> dict[str, int]:
    for definition in definitions:
        db.session.execute(text(definition))
    return {"indexes built after loading": len(definitions)}


def _organisation() -> dict[str, int]:
    people = build_org()
    people_table(people)
    return {"answer sets": build_templates(checklists())}


def database_bytes(app) -> int:
    """Return the size of the world's tables with their indexes and TOAST."""
    with app.app_context():
        size = db.session.scalar(text(
            "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class AS c "
            "JOIN pg_namespace AS n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'm')"))
        db.session.remove()
    return int(size or 0)


def signed_in(app, email: str):
    client = app.test_client()
    response = client.post("/login", data={"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def timings(client, path: str, runs: int, backends: list[int] = ()) -> tuple[list[float], float]:
    """Return the seconds of `runs` requests after a first one that warms the caches, and the CPU seconds a request
    took on average (this process and its PostgreSQL backends; not parallel workers). Each must answer 200."""
    times, cpu = [], 0.0
    for number in range(runs + 1):
        started, spent = time.perf_counter(), time.process_time() + _backend_cpu(backends)
        response = client.get(path)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, (path, response.status_code, response.get_data(as_text=True)[:300])
        if number:
            times.append(elapsed)
            cpu += time.process_time() + _backend_cpu(backends) - spent
    return times, cpu / runs


def _backend_cpu(pids: list[int]) -> float:
    """Return the CPU seconds these local processes have used (Linux /proc; 0 where it cannot be read)."""
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def percentiles(times: list[float]) -> tuple[float, float]:
    """Return the median and the 95th percentile, in milliseconds."""
    cuts = statistics.quantiles(times, n=20, method="inclusive")
    return statistics.median(times) * 1000, cuts[18] * 1000


def measure(app, runs: int = RUNS) -> list[tuple[str, float, float]]:
    """Time every page for the admin and the region manager; print and return (name, p50, p95).

    Wall-clock times rise with whatever else the machine runs; the CPU time per request beside them does not.
    """
    rows = []
    with app.app_context():
        today = localtime.today()
    app.add_url_rule("/bench/bare", "bare", lambda: "ok")
    gc.collect()
    gc.freeze()  # as gunicorn.conf.py's workers do once the app is built
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores; {runs} runs per page after one")
    for who in (ADMIN, MANAGER):
        client = signed_in(app, who)
        backends = _backends(app)
        floor, _ = percentiles(timings(client, "/bench/bare", runs)[0])
        for name, path in pages(today).items():
            times, cpu = timings(client, path, runs, backends)
            p50, p95 = percentiles(times)
            label = f"{who.split('@')[0]}: {name}"
            rows.append((label, p50, p95))
            verdict = "ok" if p95 < TARGET_MS else f"OVER {TARGET_MS} ms"
            print(f"{label:<46} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  cpu {cpu * 1000:6.1f} ms  "
                  f"{p50 / floor:6.1f}x bare  {verdict}")
    return rows


def _backends(app) -> list[int]:
    """Return the PostgreSQL backends of the app's pooled connections (the test client uses one at a time)."""
    with app.app_context():
        pids = [db.session.scalar(text("SELECT pg_backend_pid()"))]
        db.session.remove()
    return pids


def main() -> None:
    with private_schema() as options, tempfile.TemporaryDirectory() as folder:
        app = make_app(options, Path(folder))
        built = build(app, VISITS)
        print(f"{VISITS:,} visits generated in {sum(built['seconds'].values()):.0f} s "
              f"({', '.join(f'{name} {seconds:.0f} s' for name, seconds in built['seconds'].items())})")
        print("rows: " + ", ".join(f"{table} {count:,}" for table, count in built["rows"].items()))
        print(f"database size: {database_bytes(app) / 2**20:,.0f} MiB")
        measure(app)
        with app.app_context():
            db.engine.dispose()


if __name__ == "__main__":
    main()
