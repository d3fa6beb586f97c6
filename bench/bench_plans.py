"""A year's plan for 300 branches (10,800 assignments), on SQLite and on PostgreSQL.

Times previewing and creating the plan through its page (target: under 10 s each), then the review inbox,
the manager's home and the coverage page with the plan and 20,000 visits in place (target: 300 ms each),
against a bare Flask view on the same app.
"""

import random
import re
import time

import flask_migrate
from sqlalchemy import update

from inspection.auth.services import add_user
from inspection.catalog.services import freeze
from inspection.db import write_transaction
from inspection.extensions import db
from inspection.org.models import Branch, Staff
from inspection.visits.models import Visit

from seeding import CHECKLIST, bulk_visits, on_both_backends
from timing import best_of, report

BRANCHES, SHOPPERS, INSPECTORS, REGION = 300, 80, 30, "华东区"
PLAN = {"name": "2027", "region": REGION, "first_month": "2027-01", "months": "12", "count.mystery-shop": "2",
        "count.branch-inspection": "1", "scenario": "咨询宽带办理"}


def seed(app) -> None:
    """Insert the branches, the people who may take visits, and visits in every review state."""
    with app.app_context():
        flask_migrate.upgrade(directory=app.extensions["migrate"].directory)
        with write_transaction():
            branches = [Branch(code=f"H{b:03d}", name=f"营业厅{b}", region=REGION) for b in range(BRANCHES)]
            for branch in branches:
                branch.staff = [Staff(code=f"{branch.code}-S{s}", name=f"员工{s}") for s in range(2)]
            db.session.add_all(branches)
            admin = add_user("admin@example.com", "管理员", "admin", "Lanmao-qiuqiu-88")
            add_user("manager@example.com", "经理", "manager", "Lanmao-qiuqiu-88", regions=(REGION,))
            for number in range(SHOPPERS):
                add_user(f"shopper{number}@example.com", f"神秘顾客{number}", "shopper", "Lanmao-qiuqiu-88",
                         regions=(REGION,))
            for number in range(INSPECTORS):
                add_user(f"inspector{number}@example.com", f"检查员{number}", "inspector", "Lanmao-qiuqiu-88",
                         regions=(REGION,))
            staff = {b.id: [(m.id, m.code) for m in b.staff] for b in branches}
            bulk_visits(random.Random(2), 20_000, list(staff), staff, admin.id, freeze(CHECKLIST).version)
            for status, share in (("submitted", 20), ("in_review", 40), ("returned", 60)):
                db.session.execute(update(Visit).where(Visit.id % 100 < share, Visit.status == "released")
                                   .values(status=status))
        db.session.remove()


def measure(app, label: str) -> None:
    client = app.test_client()
    with app.app_context():
        client.post("/login", data={"email": "manager@example.com", "password": "Lanmao-qiuqiu-88"})
    floor = best_of(lambda: client.get("/bench/bare"), repeat=5, number=20)
    started = time.perf_counter()
    preview = client.post("/plans/new", data=PLAN)
    previewed = time.perf_counter() - started
    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', preview.get_data(as_text=True)).group(1)
    report(f"{label}: preview 10,800 assignments", previewed, floor, "bare view")
    started = time.perf_counter()
    created = client.post("/plans/new", data={**PLAN, "digest": digest, "create": "1"})
    report(f"{label}: create 10,800 assignments", time.perf_counter() - started, floor, "bare view")
    assert created.status_code == 302, created.get_data(as_text=True)[:500]
    pages = {"review inbox": "/visits?status=submitted&sort=oldest", "inbox, all states": "/visits",
             "manager home": "/", "assignments missed": "/assignments?state=missed",
             "coverage (month)": "/coverage?from=2027-03-01&to=2027-03-31",
             "coverage (year)": "/coverage?from=2027-01-01&to=2027-12-31"}
    for name, path in pages.items():
        assert client.get(path).status_code == 200, path
        report(f"{label}: {name}", best_of(lambda path=path: client.get(path), repeat=5), floor, "bare view")


def main() -> None:
    on_both_backends(seed, measure, "plans")
