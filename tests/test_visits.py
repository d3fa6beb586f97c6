"""Recording a visit: scored through the engine, frozen, attributed, replay-safe."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from inspection.catalog.services import frozen_checklist
from inspection.checklists import AnswerError
from inspection.extensions import db
from inspection.visits.models import Answer, ChecklistVersion, StaffResult, Visit
from inspection.visits.services import (
    SubmissionConflict,
    SubmissionError,
    SubmissionForbidden,
    SubmissionNotFound,
    submit_visit,
)

from . import factories


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_visit_is_scored_frozen_and_attributed(org, users):
    checklist = factories.small_checklist()
    sub = factories.submission(answers={"clerk": "E1-S1", "clean": False, "greet": 4}, notes={"clean": "地面有水渍"})
    visit, created = submit_visit(users["inspector"], checklist, sub)
    db.session.commit()
    assert created
    assert (visit.score, visit.passed, visit.rating) == (50.0, False, None)
    assert visit.result["sections"] == [{"id": "hall", "score": 50.0, "earned": 5.0, "possible": 10.0}]
    assert visit.checklist_version == checklist.version
    assert frozen_checklist(visit.checklist_version) == checklist
    [result] = visit.staff_results
    assert (result.staff.code, result.earned, result.possible) == ("E1-S1", 5.0, 10.0)
    notes = {answer.item_id: (answer.value, answer.note) for answer in visit.answers}
    assert notes["clean"] == (False, "地面有水渍")


def test_an_identical_retry_returns_the_same_visit(org, users):
    sub = factories.submission()
    first, _ = submit_visit(users["inspector"], factories.small_checklist(), sub)
    db.session.commit()
    again, created = submit_visit(users["inspector"], factories.small_checklist(), sub)
    assert (again.id, created) == (first.id, False)
    assert count(Visit) == 1


def test_the_same_id_with_other_content_is_a_conflict(org, users):
    sub = factories.submission()
    submit_visit(users["inspector"], factories.small_checklist(), sub)
    db.session.commit()
    changed = factories.submission(uuid=sub.uuid, answers={**sub.answers, "clean": False})
    with pytest.raises(SubmissionConflict, match=str(sub.uuid)):
        submit_visit(users["inspector"], factories.small_checklist(), changed)


def test_a_version_is_stored_once_for_many_visits(org, users):
    for _ in range(3):
        submit_visit(users["inspector"], factories.small_checklist(), factories.submission())
    assert count(ChecklistVersion) == 1
    assert count(Visit) == 3


@pytest.mark.parametrize(("role", "kind", "branch", "allowed"), [
    ("inspector", "inspection", "E1", True),
    ("inspector", "call_qc", "E2", True),
    ("inspector", "mystery_shop", "E1", False),
    ("inspector", "inspection", "W1", False),
    ("shopper", "mystery_shop", "E1", True),
    ("shopper", "survey", "E1", True),
    ("shopper", "inspection", "E1", False),
    ("manager", "inspection", "E1", False),
    ("admin", "survey", "W1", True),
])
def test_who_may_submit_what_where(org, users, role, kind, branch, allowed):
    sub = factories.submission(branch=branch)
    if allowed:
        submit_visit(users[role], factories.small_checklist(kind), sub)
        assert count(Visit) == 1
    else:
        with pytest.raises(SubmissionForbidden):
            submit_visit(users[role], factories.small_checklist(kind), sub)


def test_an_inactive_branch_takes_no_visits(org, users):
    org.branches["E1"].active = False
    with pytest.raises(SubmissionForbidden):
        submit_visit(users["admin"], factories.small_checklist(), factories.submission())


@pytest.mark.parametrize(("changes", "error", "message"), [
    ({"branch_code": "ZZ"}, SubmissionNotFound, "unknown branch 'ZZ'"),
    ({"answers": {"clerk": "W1-S1", "clean": True, "greet": 2}}, SubmissionError, "some staff members are unknown"),
    ({"answers": {"clean": "yes", "greet": 2}}, AnswerError, "clean: expected true or false"),
    ({"notes": {"ghost": "x"}}, SubmissionError, "some notes cannot be stored"),
])
def test_bad_submissions_store_nothing(org, users, changes, error, message):
    sub = factories.submission(**changes)
    with pytest.raises(error, match=message) as raised:
        submit_visit(users["inspector"], factories.small_checklist(), sub)
    if error is SubmissionError and raised.value.problems:
        assert raised.value.problems[0].item in ("clerk", "ghost")
    db.session.rollback()
    assert [count(Visit), count(Answer), count(StaffResult)] == [0, 0, 0]


def test_times_must_be_in_order(org, users):
    sub = factories.submission()
    sub.started_at, sub.finished_at = sub.finished_at, sub.started_at
    with pytest.raises(SubmissionError, match="finished_at is before started_at"):
        submit_visit(users["inspector"], factories.small_checklist(), sub)


def test_editing_a_checklist_never_changes_a_past_score(org, users):
    visit, _ = submit_visit(users["inspector"], factories.small_checklist(), factories.submission(uuid=uuid.uuid4()))
    db.session.commit()
    stricter = factories.load_text(factories.SMALL_CHECKLIST.replace("limit: 5", "limit: 2"))
    assert stricter.version != visit.checklist_version
    assert frozen_checklist(visit.checklist_version).item("greet").limit == 5
    assert db.session.get(Visit, visit.id).score == 100.0
