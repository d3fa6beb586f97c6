"""Test data builders; each flushes so that ids exist, and the app fixture cleans up."""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

from inspection.auth.services import add_user
from inspection.checklists import load_text
from inspection.extensions import db
from inspection.org.models import Branch, Staff
from inspection.visits.services import Submission

PASSWORD = "password-123"
_numbers = itertools.count(1)

SMALL_CHECKLIST = """
id: small
title: 小检查表
kind: inspection
sections:
  - id: hall
    title: 大厅
    items:
      - {id: clerk, text: 员工, type: staff}
      - {id: clean, text: 整洁, type: yes_no, points: 5}
      - {id: greet, text: 问候, type: timer, limit: 5, points: 5, critical: true}
      - {id: note, text: 备注, type: text}
"""


def make_org() -> SimpleNamespace:
    """Create branches E1, E2 (region East) and W1 (West), each with two staff."""
    branches = {}
    for code, region in (("E1", "East"), ("E2", "East"), ("W1", "West")):
        branch = Branch(code=code, name=f"Branch {code}", region=region, address="")
        branch.staff = [Staff(code=f"{code}-S{i}", name=f"Staff {code}-{i}", position="clerk") for i in (1, 2)]
        branches[code] = branch
    db.session.add_all(branches.values())
    db.session.flush()
    return SimpleNamespace(branches=branches)


def make_user(role: str, regions=(), branches=(), email: str | None = None):
    """Create a user of the role with the given scope."""
    email = email or f"{role}{next(_numbers)}@example.com"
    return add_user(email, f"{role.title()} User", role, PASSWORD, tuple(branches), tuple(regions))


def login(client, user, password: str = PASSWORD):
    """Sign the test client in as the user."""
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def small_checklist(kind: str = "inspection"):
    """Return a small checklist of the given kind."""
    return load_text(SMALL_CHECKLIST.replace("kind: inspection", f"kind: {kind}"))


def submission(branch: str = "E1", answers: dict | None = None, **changes) -> Submission:
    """Return a valid submission of the small checklist."""
    finished = datetime(2026, 11, 2, 10, 30, tzinfo=timezone.utc)
    values = dict(
        uuid=uuid.uuid4(), checklist_id="small", branch_code=branch,
        started_at=finished - timedelta(minutes=20), finished_at=finished,
        answers=answers if answers is not None else {"clerk": f"{branch}-S1", "clean": True, "greet": 3.5},
        notes={},
    )
    values.update(changes)
    return Submission(**values)
