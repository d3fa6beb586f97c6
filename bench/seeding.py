"""Seeding shared by the benchmarks that run on SQLite and on PostgreSQL (bench_plans): a small checklist,
visits inserted in bulk with results from the real engine, and an app on each backend.

The dashboards' own bench is bench/dashboard.py (a million visits, generated in PostgreSQL).
"""

import os
import tempfile
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import create_engine, insert, text

from inspection import create_app
from inspection.checklists import load_text, score
from inspection.extensions import db
from inspection.visits import rollup
from inspection.visits.models import Answer, StaffResult, Visit

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


def bulk_visits(rng, count: int, branch_ids, staff, admin_id, version) -> None:
    """Insert released visits of CHECKLIST with their answers and staff results, scored by the engine."""
    end = datetime(2026, 11, 1, tzinfo=timezone.utc)
    for start in range(0, count, 5000):
        visits, answers, results = [], [], []
        for number in range(start, min(count, start + 5000)):
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
    rollup.rebuild()  # the monthly sums, as releasing each visit would have kept them


def make_app(url: str, media: Path, options: dict | None = None):
    app = create_app({"SECRET_KEY": "bench", "ENV_NAME": "bench", "PASSWORD_HASH_PROFILE": "CHEAPEST",
                      "WTF_CSRF_ENABLED": False, "DATABASE_URL": url, "MEDIA_DIR": str(media),
                      **({"SQLALCHEMY_ENGINE_OPTIONS": options} if options else {})})
    app.add_url_rule("/bench/bare", "bare", lambda: "ok")
    return app


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
