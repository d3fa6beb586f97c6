"""Visits and answers as rows for CSV and XLSX, streamed from the database in batches."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import access, localtime
from ..auth.models import User
from ..extensions import db
from ..org.models import Branch
from ..visits.models import Visit

BATCH = 500
VISIT_COLUMNS = ["visit", "finished_at", "branch", "branch_name", "region", "checklist", "version", "status",
                 "score", "passed", "rating", "critical_failures", "sections"]
ANSWER_COLUMNS = ["visit", "finished_at", "branch", "checklist", "item", "answer", "note", "earned", "possible"]


def _visits_query(user: User, start: date, end: date, filters: dict):
    low, high = localtime.day_bounds(start, end)
    query = (select(Visit, Branch).join(Branch, Visit.branch_id == Branch.id)
             .where(access.visit_filter(user, Visit), Visit.finished_at >= low, Visit.finished_at < high)
             .order_by(Visit.finished_at, Visit.id))
    if filters.get("branch"):
        query = query.where(Branch.code == filters["branch"])
    if filters.get("region"):
        query = query.where(Branch.region == filters["region"])
    if filters.get("checklist"):
        query = query.where(Visit.checklist_id == filters["checklist"])
    if filters.get("status"):
        query = query.where(Visit.status == filters["status"])
    return query.execution_options(yield_per=BATCH)


def visit_rows(user: User, start: date, end: date, filters: dict) -> Iterator[list]:
    """Yield the header, then one row per visit with its section scores."""
    yield VISIT_COLUMNS
    for visit, branch in db.session.execute(_visits_query(user, start, end, filters)):
        sections = "; ".join(f"{row['id']}={'' if row['score'] is None else round(row['score'], 2)}"
                             for row in visit.result["sections"])
        yield [str(visit.uuid), visit.finished_at.isoformat(), branch.code, branch.name, branch.region,
               visit.checklist_id, visit.checklist_version[:12], visit.status, visit.score, visit.passed,
               visit.rating, visit.critical_failures, sections]


def answer_rows(user: User, start: date, end: date, filters: dict) -> Iterator[list]:
    """Yield the header, then one row per answer (long form) with the points it earned."""
    yield ANSWER_COLUMNS
    # One query for the answers of each batch of visits, not one per visit.
    query = _visits_query(user, start, end, filters).options(selectinload(Visit.answers))
    for visit, branch in db.session.execute(query):
        items = visit.result["items"]
        for answer in sorted(visit.answers, key=lambda answer: answer.item_id):
            outcome = items.get(answer.item_id, {})
            value = answer.value if isinstance(answer.value, (str, int, float)) else json.dumps(
                answer.value, ensure_ascii=False)
            yield [str(visit.uuid), visit.finished_at.isoformat(), branch.code, visit.checklist_id,
                   answer.item_id, value, answer.note, outcome.get("earned"), outcome.get("possible")]
