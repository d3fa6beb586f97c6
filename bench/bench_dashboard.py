"""Dashboards over 100k visits, 500 staff and 50 branches, on SQLite and on PostgreSQL.

Times the staff leaderboard, a branch scorecard page and a staff page (target: 300 ms each),
against a bare Flask view on the same app.
"""

import os
import random
import tempfile
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import flask_migrate
from sqlalchemy import create_engine, insert, text

from inspection import create_app
from inspection.auth.services import add_user
from inspection.catalog.services import freeze
from inspection.checklists import load_text, score
from inspection.db import write_transaction
from inspection.extensions import db
from inspection.org.models import Branch, Staff
from inspection.visits.models import Answer, StaffResult, Visit

from timing import best_of, report

VISITS, BRANCHES, STAFF_PER_BRANCH = int(os.environ.get("BENCH_VISITS", 100_000)), 50, 10
POSTGRES_URL = os.environ.get("INSPECTION_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
CHECKLIST = load_text("""
id: bench
title: 基准检查表
kind: inspection
sections:
""" + "".join(f"""
  - id: s{s}
    title: 第 {s + 1} 部分
    dimension: {('reliability', 'empathy')[s]}
    items:
      - {{id: s{s}-staff, text: 员工, type: staff}}
""" + "".join(f"      - {{id: s{s}-i{i}, text: 第 {i + 1} 项, type: yes_no, points: 5, "
              f"critical: {str(i == 0).lower()}}}\n" for i in range(5)) for s in range(2)))


def seed(app) -> None:
    """Insert the organisation, then visits in bulk with results from the real engine."""
    rng = random.Random(1)
    with app.app_context():
        flask_migrate.upgrade(directory=app.extensions["migrate"].directory)
        with write_transaction():
            branches = [Branch(code=f"B{b:02d}", name=f"营业厅{b}", region=f"区域{b % 5}") for b in range(BRANCHES)]
            for branch in branches:
                branch.staff = [Staff(code=f"{branch.code}-S{s}", name=f"员工{s}") for s in range(STAFF_PER_BRANCH)]
            db.session.add_all(branches)
            admin = add_user("admin@example.com", "管理员", "admin", "Lanmao-qiuqiu-88")
            version = freeze(CHECKLIST).version
            staff = {b.id: [(m.id, m.code) for m in b.staff] for b in branches}
            _bulk_visits(rng, [b.id for b in branches], staff, admin.id, version)
        db.session.remove()


def _bulk_visits(rng, branch_ids, staff, admin_id, version) -> None:
    end = datetime(2026, 11, 1, tzinfo=timezone.utc)
    for start in range(0, VISITS, 5000):
        visits, answers, results = [], [], []
        for number in range(start, min(VISITS, start + 5000)):
            branch_id = rng.choice(branch_ids)
            members = rng.sample(staff[branch_id], 2)
            values = {f"s{s}-staff": members[s][1] for s in range(2)}
            values.update({f"s{s}-i{i}": rng.random() < 0.85 for s in range(2) for i in range(5)})
            result = score(CHECKLIST, values)
            finished = end - timedelta(minutes=rng.randrange(365 * 24 * 60))
            visits.append({"id": number + 1, "uuid": uuid.UUID(int=rng.getrandbits(128), version=4),
                           "kind": "inspection",
                           "checklist_id": "bench", "checklist_version": version, "branch_id": branch_id,
                           "submitter_id": admin_id, "started_at": finished - timedelta(minutes=30),
                           "finished_at": finished, "submitted_at": finished, "status": "released",
                           "version": 1, "score": result.score, "passed": result.passed, "rating": result.rating,
                           "result": result.to_dict(), "content_sha256": "0" * 64,
                           "critical_failures": len(result.critical_failures), "servqual_gap": None})
            answers += [{"visit_id": number + 1, "item_id": key, "value": value, "note": ""}
                        for key, value in values.items()]
            results += [{"visit_id": number + 1, "staff_id": members[s][0], "finished_at": finished,
                         "branch_id": branch_id, "counted": True, "sections": [f"s{s}"],
                         "earned": result.staff[members[s][1]].earned, "possible": result.staff[members[s][1]].possible}
                        for s in range(2)]
        for model, rows in ((Visit, visits), (Answer, answers), (StaffResult, results)):
            db.session.execute(insert(model), rows)


def measure(app, label: str) -> None:
    client = app.test_client()
    with app.app_context():
        client.post("/login", data={"email": "admin@example.com", "password": "Lanmao-qiuqiu-88"})
    period = "from=2025-11-01&to=2026-11-01"
    pages = {"staff leaderboard (1 year)": f"/performance/leaderboard?{period}",
             "branch scorecard page (90 days)": "/branches/B07/scorecard?from=2026-08-03&to=2026-11-01",
             "staff page (1 year)": f"/performance/staff/B07-S3?{period}"}
    floor = best_of(lambda: client.get("/bench/bare"), repeat=5, number=20)
    for name, path in pages.items():
        assert client.get(path).status_code == 200, path
        report(f"{label}: {name}", best_of(lambda path=path: client.get(path), repeat=5), floor, "bare view")


def make_app(url: str, media: Path, options: dict | None = None):
    app = create_app({"SECRET_KEY": "bench", "ENV_NAME": "bench", "PASSWORD_HASH_PROFILE": "CHEAPEST",
                      "WTF_CSRF_ENABLED": False, "DATABASE_URL": url, "MEDIA_DIR": str(media),
                      **({"SQLALCHEMY_ENGINE_OPTIONS": options} if options else {})})
    app.add_url_rule("/bench/bare", "bare", lambda: "ok")
    return app


def main() -> None:
    on_both_backends(seed, measure, "dash")


def on_both_backends(seed_app, measure_app, name: str) -> None:
    """Seed and measure an app on SQLite, then on a PostgreSQL schema of its own (dropped afterwards)."""
    with tempfile.TemporaryDirectory() as folder:
        app = make_app(f"sqlite:///{folder}/{name}.sqlite3", Path(folder) / "media")
        seed_app(app)
        measure_app(app, "SQLite")
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        with tempfile.TemporaryDirectory() as folder:
            app = make_app(POSTGRES_URL, Path(folder), {"connect_args": {"options": f"-csearch_path={schema}"}})
            seed_app(app)
            with app.app_context():
                db.session.execute(text("ANALYZE"))
                db.session.commit()
            measure_app(app, "PostgreSQL")
    finally:
        with engine.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()
