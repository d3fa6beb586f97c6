"""Recording a visit: scored through the engine, frozen, attributed, replay-safe."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from inspection.catalog.models import ChecklistVersion
from inspection.catalog.services import frozen_checklist
from inspection.extensions import db
from inspection.photos.processing import process
from inspection.problems import Conflict, Forbidden, Invalid, NotFound
from inspection.visits.models import Answer, StaffResult, Visit
from inspection.visits.services import submit_visit

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
    with pytest.raises(Conflict, match=str(sub.uuid)):
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
        with pytest.raises(Forbidden):
            submit_visit(users[role], factories.small_checklist(kind), sub)


def test_an_inactive_branch_takes_no_visits(org, users):
    org.branches["E1"].active = False
    with pytest.raises(Forbidden):
        submit_visit(users["admin"], factories.small_checklist(), factories.submission())


@pytest.mark.parametrize(("changes", "error", "message"), [
    ({"branch_code": "ZZ"}, NotFound, "unknown branch 'ZZ'"),
    ({"answers": {"clerk": "W1-S1", "clean": True, "greet": 2}}, Invalid, "1 problem"),
    ({"answers": {"clean": "yes", "greet": -2}}, Invalid, "2 problem"),
    ({"notes": {"ghost": "x"}}, Invalid, "1 problem"),
])
def test_bad_submissions_store_nothing(org, users, changes, error, message):
    sub = factories.submission(**changes)
    with pytest.raises(error, match=message):
        submit_visit(users["inspector"], factories.small_checklist(), sub)
    db.session.rollback()
    assert [count(Visit), count(Answer), count(StaffResult)] == [0, 0, 0]


def _problems(user, sub) -> list[tuple[str, str]]:
    with pytest.raises(Invalid) as raised:
        submit_visit(user, factories.small_checklist(), sub)
    return [(problem.item, problem.code) for problem in raised.value.details]


def test_every_problem_of_a_submission_is_reported_at_once(org, users):
    """Times, answers, notes, photo rules and staff: one refusal names them all, each with its item and code."""
    photo = process(factories.jpeg_bytes(64, 64), 10**7, 10**8)
    sub = factories.submission(answers={"clerk": "W1-S1", "clean": "yes", "greet": -1}, notes={"ghost": "x"},
                               photos=[("greet", photo)])
    sub.started_at, sub.finished_at = sub.finished_at, sub.started_at
    assert _problems(users["inspector"], sub) == [
        ("finished_at", "finished_before_started"), ("clean", "invalid"), ("greet", "invalid"),
        ("ghost", "unknown_item"), ("greet", "photo_not_allowed"), ("clerk", "unknown_staff")]


def test_times_must_be_plausible(org, users):
    sub = factories.submission()
    sub.started_at, sub.finished_at = sub.finished_at, sub.started_at
    assert ("finished_at", "finished_before_started") in _problems(users["inspector"], sub)
    now = datetime.now(timezone.utc)
    ahead = factories.submission(started_at=now + timedelta(days=60), finished_at=now + timedelta(days=60, hours=1))
    assert _problems(users["inspector"], ahead)[0] == ("finished_at", "in_future")
    ancient = factories.submission(started_at=datetime(1, 1, 1, tzinfo=timezone.utc))
    assert ("started_at", "implausible_date") in _problems(users["inspector"], ancient)
    week = factories.submission(started_at=now - timedelta(days=7), finished_at=now)
    assert ("finished_at", "visit_too_long") in _problems(users["inspector"], week)
    naive = factories.submission(finished_at=datetime(2026, 11, 2, 10, 30))
    assert ("finished_at", "time_zone_missing") in _problems(users["inspector"], naive)


def test_editing_a_checklist_never_changes_a_past_score(org, users):
    visit, _ = submit_visit(users["inspector"], factories.small_checklist(), factories.submission(uuid=uuid.uuid4()))
    db.session.commit()
    stricter = factories.load_text(factories.SMALL_CHECKLIST.replace("limit: 5", "limit: 2"))
    assert stricter.version != visit.checklist_version
    assert frozen_checklist(visit.checklist_version).item("greet").limit == 5
    assert db.session.get(Visit, visit.id).score == 100.0
