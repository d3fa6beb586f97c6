"""Assignments and plans on the database: states, visits done against them, windows in local time, scope."""

from __future__ import annotations

import io
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from inspection import localtime
from inspection.api.tokens import create_token
from inspection.catalog.services import get_catalog
from inspection.extensions import db
from inspection.lifecycle import AssignmentStatus
from inspection.notifications.models import Notification
from inspection.org.models import Staff
from inspection.plans import planning, services
from inspection.plans.models import Assignment
from inspection.problems import Conflict, Forbidden, Invalid
from inspection.visits.services import presence

from . import factories

SHANGHAI = ZoneInfo("Asia/Shanghai")
WINDOW_START = datetime(2026, 11, 1, tzinfo=SHANGHAI)
WINDOW_END = datetime(2026, 11, 3, tzinfo=SHANGHAI)  # midnight between the 2nd and the 3rd, local time


def _assign(manager, assignee, branch, checklist_id="small", start=WINDOW_START, end=WINDOW_END, **extra):
    draft = services.Draft(branch=branch, checklist=get_catalog().checklists[checklist_id], assignee=assignee,
                           window_start=start, window_end=end, **extra)
    return services.assign(manager, draft)


def _visit(client, token, assignment_id, finished_local: str, **changes):
    finished = datetime.fromisoformat(finished_local).replace(tzinfo=SHANGHAI)
    body = factories.api_visit(started_at=(finished - timedelta(minutes=20)).isoformat(),
                               finished_at=finished.isoformat(), assignment=assignment_id, **changes)
    return client.post("/api/v1/visits", json=body, headers=factories.bearer(token))


@pytest.mark.parametrize("finished, late", [
    ("2026-11-02T23:59", False),  # the last minute of the window, where the branches are
    ("2026-11-03T00:01", True),  # one minute after: 16:01 UTC, the same UTC day
    ("2026-11-01T00:25", False),
    ("2026-10-31T23:55", True),  # started and finished before the window
])
def test_a_visit_against_an_assignment_marks_it_done_on_time_or_late(client, users, org, small, tokens,
                                                                     finished, late):
    assignment = _assign(users["manager"], users["inspector"], org.branches["E1"])
    db.session.commit()
    response = _visit(client, tokens["inspector"], assignment.id, finished)
    assert response.status_code == 201, response.get_json()
    db.session.expire_all()
    assert assignment.status == AssignmentStatus.DONE and assignment.late is late
    assert assignment.visit_id is not None


def test_a_retry_of_the_visit_changes_nothing_and_another_visit_is_refused(client, users, org, small, tokens):
    assignment = _assign(users["manager"], users["inspector"], org.branches["E1"])
    db.session.commit()
    body = factories.api_visit(started_at="2026-11-02T10:00:00+08:00", finished_at="2026-11-02T10:20:00+08:00",
                               assignment=assignment.id)
    first = client.post("/api/v1/visits", json=body, headers=factories.bearer(tokens["inspector"]))
    again = client.post("/api/v1/visits", json=body, headers=factories.bearer(tokens["inspector"]))
    assert (first.status_code, again.status_code) == (201, 200)
    other = _visit(client, tokens["inspector"], assignment.id, "2026-11-02T11:00")
    assert other.status_code == 409 and "done" in other.get_json()["error"]


def test_an_assignment_fits_only_its_own_assignee_branch_and_checklist(client, users, org, small, tokens):
    assignment = _assign(users["manager"], users["inspector"], org.branches["E1"])
    inspector2 = factories.make_user("inspector", regions=("East",))
    token2 = create_token(inspector2)[1]
    db.session.commit()
    assert _visit(client, token2, assignment.id, "2026-11-02T10:00").status_code == 404
    wrong_branch = _visit(client, tokens["inspector"], assignment.id, "2026-11-02T10:00",
                          branch="E2", answers={"clerk": "E2-S1", "clean": True, "greet": 3.5})
    assert wrong_branch.status_code == 422
    assert wrong_branch.get_json()["details"][0]["code"] == "assignment_mismatch"
    assert _visit(client, tokens["inspector"], 2**31 - 1, "2026-11-02T10:00").status_code == 404
    assert _visit(client, tokens["inspector"], 2**40, "2026-11-02T10:00").status_code == 400
    db.session.expire_all()
    assert assignment.status == AssignmentStatus.ASSIGNED


def test_decline_reassign_cancel_and_missed(app, users, org, small):
    manager, inspector = users["manager"], users["inspector"]
    assignment = _assign(manager, inspector, org.branches["E1"])
    with pytest.raises(Forbidden):
        services.decline(manager, assignment, "busy")
    with pytest.raises(Invalid):
        services.decline(inspector, assignment, "  ")
    services.decline(inspector, assignment, "I am away that week")
    assert assignment.status == AssignmentStatus.DECLINED
    with pytest.raises(Conflict):
        services.decline(inspector, assignment, "again")
    other = factories.make_user("inspector", regions=("East",))
    services.reassign(manager, assignment, other)
    assert (assignment.status, assignment.assignee_id, assignment.decline_reason) == ("assigned", other.id, "")
    with pytest.raises(Invalid, match="cannot take"):
        services.reassign(manager, assignment, users["shopper"])  # not their kind of work
    assert assignment.state(WINDOW_END - timedelta(seconds=1)) == "assigned"
    assert assignment.state(WINDOW_END) == "missed"
    services.cancel(manager, assignment)
    assert assignment.state(WINDOW_END) == AssignmentStatus.CANCELLED
    with pytest.raises(Conflict):
        services.reassign(manager, assignment, other)


def test_assignments_are_checked_before_they_are_made(app, users, org, small):
    manager, inspector = users["manager"], users["inspector"]
    with pytest.raises(Invalid, match="ends before"):
        _assign(manager, inspector, org.branches["E1"], end=WINDOW_START)
    with pytest.raises(Forbidden):
        _assign(manager, inspector, org.branches["W1"])  # not the manager's region
    with pytest.raises(Forbidden):
        _assign(inspector, inspector, org.branches["E1"])
    west = factories.make_user("inspector", regions=("West",))
    with pytest.raises(Invalid, match="cannot take"):
        _assign(manager, west, org.branches["E1"])
    with pytest.raises(Invalid, match="scenario"):
        _assign(manager, inspector, org.branches["E1"], scenario="x" * 201)


def test_a_new_assignment_tells_its_assignee(app, users, org, small):
    assignment = _assign(users["manager"], users["inspector"], org.branches["E1"], scenario="咨询宽带办理")
    (note,) = db.session.scalars(select(Notification).where(Notification.user_id == users["inspector"].id))
    assert note.kind == "assignment.new" and note.params["scenario"] == "咨询宽带办理"
    assert note.link == f"/assignments/{assignment.id}"


def test_lists_are_scoped_by_the_policy(client, users, org, tokens):
    manager, shopper = users["manager"], users["shopper"]
    shop = _assign(manager, shopper, org.branches["E1"], "mystery-shop", scenario="咨询宽带办理")
    inspection = _assign(manager, users["inspector"], org.branches["E1"], "branch-inspection")
    west_manager = factories.make_user("manager", regions=("West",))
    west_token = create_token(west_manager)[1]
    db.session.commit()

    def ids(role_token):
        response = client.get("/api/v1/assignments", headers=factories.bearer(role_token))
        assert response.status_code == 200
        return {row["id"] for row in response.get_json()}

    assert ids(tokens["manager"]) == {shop.id, inspection.id}
    assert ids(tokens["admin"]) == {shop.id, inspection.id}
    assert ids(tokens["shopper"]) == {shop.id}
    assert ids(tokens["inspector"]) == {inspection.id}  # an upcoming mystery shop never reaches the branch side
    assert ids(west_token) == set()
    factories.login(client, users["inspector"])
    assert client.get(f"/assignments/{shop.id}").status_code == 404
    assert "咨询宽带办理" not in client.get("/assignments").get_data(as_text=True)
    assert "咨询宽带办理" not in client.get("/").get_data(as_text=True)


def test_the_api_creates_an_assignment(client, users, org, tokens):
    day = localtime.today() + timedelta(days=30)  # a window still to come, so that it is "assigned", not "missed"
    body = {"branch": "E1", "checklist": "mystery-shop", "assignee": users["shopper"].email,
            "window_start": f"{day}T09:00:00+08:00", "window_end": f"{day}T12:00:00+08:00",
            "scenario": "咨询宽带办理", "brief": "Ask for the 300M plan."}
    response = client.post("/api/v1/assignments", json=body, headers=factories.bearer(tokens["manager"]))
    assert response.status_code == 201, response.get_json()
    made = response.get_json()
    assert made["status"] == "assigned" and made["window_start"] == f"{day}T01:00:00+00:00"
    assert client.post("/api/v1/assignments", json=body, headers=factories.bearer(tokens["shopper"])).status_code == 403
    for change, code in [({"assignee": "nobody@example.com"}, "unknown_user"), ({"branch": "XX"}, "unknown_branch"),
                         ({"window_end": f"{day - timedelta(days=1)}T09:00:00+08:00"}, "window_order"),
                         ({"checklist": "branch-inspection"}, "not_assignable")]:
        refused = client.post("/api/v1/assignments", json={**body, **change},
                              headers=factories.bearer(tokens["manager"]))
        assert refused.status_code == 422 and refused.get_json()["details"][0]["code"] == code
    naive = client.post("/api/v1/assignments", json={**body, "window_start": f"{day}T09:00:00"},
                        headers=factories.bearer(tokens["manager"]))
    assert naive.status_code in (400, 422)


def test_the_api_lists_by_state_and_pages(client, users, org, tokens, app):
    start = datetime(2026, 1, 1, tzinfo=SHANGHAI)
    for day in range(205):
        _assign(users["manager"], users["shopper"], org.branches["E1"], "mystery-shop",
                start=start + timedelta(days=day), end=start + timedelta(days=day, hours=3))
    db.session.commit()
    headers = factories.bearer(tokens["shopper"])
    first = client.get("/api/v1/assignments?status=missed", headers=headers)
    assert len(first.get_json()) == 200 and first.headers["X-Total-Count"] == "205"
    assert 'rel="next"' in first.headers["Link"]
    second = client.get("/api/v1/assignments?status=missed&page=2", headers=headers)
    assert len(second.get_json()) == 5 and "Link" not in second.headers
    assert client.get("/api/v1/assignments?status=done", headers=headers).get_json() == []
    assert client.get("/api/v1/assignments?status=bogus", headers=headers).status_code == 400
    window = client.get("/api/v1/assignments?from=2026-01-10&to=2026-01-11", headers=headers).get_json()
    assert len(window) == 2


def test_assignments_import_from_csv_all_or_nothing(client, users, org):
    west = factories.make_user("shopper", regions=("West",))
    factories.login(client, users["manager"])
    picker = client.get("/assignments/new").get_data(as_text=True)
    assert users["shopper"].email in picker and west.email not in picker  # only people of the manager's branches
    header = "branch,checklist,assignee,window_start,window_end,scenario,brief\n"
    good = f"E1,mystery-shop,{users['shopper'].email},2026-12-01 09:00,2026-12-01 12:00,咨询宽带办理,\n"
    bad = f"W1,mystery-shop,{users['shopper'].email},2026-12-01 09:00,2026-12-01 12:00,,\n"
    refused = client.post("/assignments/import", data={"file": (io.BytesIO((header + good + bad).encode()), "a.csv")})
    assert refused.status_code == 200 and "W1" not in [a.branch.code for a in db.session.scalars(select(Assignment))]
    assert factories.count(Assignment) == 0
    page = refused.get_data(as_text=True)
    assert "第 3 行: 您不管理营业厅 W1" in page
    made = client.post("/assignments/import", data={"file": (io.BytesIO((header + good).encode()), "a.csv")})
    assert made.status_code == 302
    (assignment,) = db.session.scalars(select(Assignment))
    assert assignment.window_start == datetime(2026, 12, 1, 1, tzinfo=timezone.utc)


def _plan_request(**changes) -> planning.PlanRequest:
    values = dict(name="Q1", region="East", first_month=datetime(2027, 1, 1).date(), months=3,
                  counts={"mystery-shop": 2, "branch-inspection": 1})
    values.update(changes)
    return planning.PlanRequest(**values)


def test_a_plan_is_previewed_then_created_as_previewed(app, users, org):
    shoppers = [factories.make_user("shopper", regions=("East",)) for _ in range(3)]
    db.session.add(Staff(code="E1-S9", name="Former clerk", branch=org.branches["E1"], email=shoppers[0].email))
    db.session.flush()
    shown = planning.preview(users["manager"], _plan_request(), presence, "Asia/Shanghai")
    assert len(shown.planned) == 2 * 3 * 3  # two East branches, three visits a month, three months
    assert not [p for p in shown.planned if p.branch_id == org.branches["E1"].id
                and p.assignee_id == shoppers[0].id]  # known staff there
    assert factories.count(Assignment) == 0
    plan = planning.create(users["manager"], _plan_request(), shown.digest, presence, "Asia/Shanghai")
    staffed = len(shown.planned) - shown.unstaffed
    assert plan.assignments_count == staffed == factories.count(Assignment)
    with pytest.raises(Conflict):  # the same rule now meets the assignments just made: another plan
        planning.create(users["manager"], _plan_request(), shown.digest, presence, "Asia/Shanghai")
    told = db.session.scalars(select(Notification).where(Notification.kind == "assignment.new")).all()
    assert len(told) == len({p.assignee_id for p in shown.planned if p.assignee_id})


@pytest.mark.parametrize("change, field", [({"region": "West"}, "region"), ({"months": 0}, "months"),
                                           ({"counts": {"mystery-shop": 0}}, "counts"),
                                           ({"counts": {"mystery-shop": 99}}, "count.mystery-shop"),
                                           ({"counts": {"nope": 1}}, "checklist")])
def test_a_bad_plan_names_what_is_wrong(app, users, org, change, field):
    with pytest.raises(Invalid) as refused:
        planning.preview(users["manager"], _plan_request(**change), presence, "Asia/Shanghai")
    assert refused.value.details[0]["field"] == field


def test_only_managers_plan(app, users, org):
    with pytest.raises(Forbidden):
        planning.preview(users["inspector"], _plan_request(), presence, "Asia/Shanghai")


def test_the_plan_pages_preview_and_create(client, users, org):
    factories.make_user("shopper", regions=("East",))
    factories.login(client, users["manager"])
    form = {"name": "Q1", "region": "East", "first_month": "2027-01", "months": "1", "count.mystery-shop": "2",
            "count.branch-inspection": "1", "scenario": "咨询宽带办理"}
    preview = client.post("/plans/new", data=form)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200 and 'id="plan-preview"' in page
    assert factories.count(Assignment) == 0
    digest = page.split('name="digest" value="')[1].split('"')[0]
    created = client.post("/plans/new", data={**form, "digest": digest, "create": "1"})
    assert created.status_code == 302 and factories.count(Assignment) == 6
    stale = client.post("/plans/new", data={**form, "digest": "0" * 64, "create": "1"})
    assert stale.status_code == 200 and factories.count(Assignment) == 6
    bad = client.post("/plans/new", data={**form, "first_month": "2027-13"})
    assert bad.status_code == 200 and factories.count(Assignment) == 6


def test_due_tomorrow_reminders_go_once(app, users, org, small):
    zone = SHANGHAI
    today = datetime(2026, 11, 1, tzinfo=zone).date()
    _assign(users["manager"], users["inspector"], org.branches["E1"])  # ends at the start of the 3rd: due the 2nd
    assert services.remind_due(today, zone) == 1
    assert services.remind_due(today, zone) == 0
    assert services.remind_due(today + timedelta(days=1), zone) == 0


def test_home_shows_my_work_and_a_managers_counts(client, users, org, small):
    now = datetime.now(timezone.utc)
    due = _assign(users["manager"], users["inspector"], org.branches["E1"], start=now - timedelta(hours=1),
                  end=now + timedelta(days=2), scenario="检查大厅")
    _assign(users["manager"], users["inspector"], org.branches["E2"], start=now - timedelta(days=3),
            end=now - timedelta(minutes=1))
    db.session.commit()
    factories.login(client, users["inspector"])
    page = client.get("/").get_data(as_text=True)
    assert 'id="my-work"' in page and "检查大厅" in page
    assert f"assignment={due.id}" in page and "branch=E1" in page
    client.post("/logout")
    factories.login(client, users["manager"])
    page = client.get("/").get_data(as_text=True)
    assert 'id="manager-counts"' in page and "state=missed" in page
    missed = client.get("/assignments?state=missed").get_data(as_text=True).split("<tbody>")[1]
    assert "Branch E2" in missed and "Branch E1" not in missed


def test_assignment_pages_answer_bad_filters_with_400(client, users, org):
    factories.login(client, users["manager"])
    for query in ("state=nope", "from=2026-13-01", "assignee=abc", "from=2026-02-01&to=2026-01-01"):
        assert client.get(f"/assignments?{query}").status_code == 400, query
    assert client.get("/assignments/99999").status_code == 404
    assert client.post("/assignments/1/explode").status_code == 404


def test_known_staff_far_dates_and_odd_ids_are_refused(client, users, org, tokens):
    db.session.add(Staff(code="E1-S9", name="Former clerk", branch=org.branches["E1"], email=users["shopper"].email))
    db.session.commit()
    body = {"branch": "E1", "checklist": "mystery-shop", "assignee": users["shopper"].email,
            "window_start": "2026-12-01T09:00:00+08:00", "window_end": "2026-12-01T12:00:00+08:00"}
    for change, code in [({}, "known_staff"), ({"window_start": "0001-01-01T00:00:00+14:00"}, "implausible_date"),
                         ({"window_end": "9999-12-31T00:00:00+08:00"}, "implausible_date")]:
        refused = client.post("/api/v1/assignments", json={**body, **change},
                              headers=factories.bearer(tokens["manager"]))
        assert refused.status_code == 422 and refused.get_json()["details"][0]["code"] == code, refused.get_json()
    visit = factories.api_visit(assignment=True)
    assert client.post("/api/v1/visits", json=visit, headers=factories.bearer(tokens["inspector"])).status_code == 400


def test_the_previous_assignee_and_the_managers_hear_of_changes(app, users, org, small):
    manager, inspector = users["manager"], users["inspector"]
    assignment = _assign(manager, inspector, org.branches["E1"])
    services.decline(inspector, assignment, "away")
    other = factories.make_user("inspector", regions=("East",))
    services.reassign(manager, assignment, other)
    services.cancel(manager, assignment)
    told = [(n.user_id, n.kind) for n in db.session.scalars(select(Notification).order_by(Notification.id))]
    assert told == [(inspector.id, "assignment.new"), (manager.id, "assignment.declined"),
                    (inspector.id, "assignment.cancelled"), (other.id, "assignment.new"),
                    (other.id, "assignment.cancelled")]
