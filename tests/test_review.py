"""Review before release, corrections as new versions, and corrective actions."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from inspection import localtime
from inspection.actions.models import CorrectiveAction
from inspection.actions.services import actions_query, add_comment, advance, create_action
from inspection.extensions import db, media_store
from inspection.notifications.models import Notification
from inspection.photos.processing import process
from inspection.photos.storage import write_with_files
from inspection.problems import BadRequest, Conflict, Forbidden, Invalid
from inspection.review.correction import Correction, resubmit
from inspection.review.services import review, revision_diff
from inspection.visits.services import submit_visit

from . import factories


@pytest.fixture
def visit(app, org, users):
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    sub = factories.submission(answers={"clerk": "E1-S1", "clean": False, "greet": 7})
    created, _ = submit_visit(users["inspector"], factories.small_checklist(), sub)
    db.session.commit()
    return created


# Every transition from every status: what is allowed and where it leads.
MATRIX = [
    ("submitted", "start", "in_review"), ("submitted", "release", "released"), ("submitted", "return", "returned"),
    ("in_review", "start", None), ("in_review", "release", "released"), ("in_review", "return", "returned"),
    ("released", "start", None), ("released", "release", None), ("released", "return", None),
    ("returned", "start", None), ("returned", "release", None), ("returned", "return", None),
]


@pytest.mark.parametrize(("status", "action", "expected"), MATRIX)
def test_review_transitions(visit, users, status, action, expected):
    visit.status = status
    if expected is None:
        with pytest.raises(Conflict, match=f"this visit is {status}: it cannot be given '{action}'"):
            review(users["manager"], visit, action, "看一下")
        assert visit.status == status
    else:
        event = review(users["manager"], visit, action, "请补充说明")
        assert (visit.status, event.from_status, event.to_status) == (expected, status, expected)
        assert event.actor_id == users["manager"].id and event.at is not None


@pytest.mark.parametrize("role", ["inspector", "shopper"])
def test_only_managers_and_admins_review(visit, users, role):
    with pytest.raises(Forbidden):
        review(users[role], visit, "release")


def test_managers_review_only_their_regions(visit, users):
    west = factories.make_user("manager", regions=("West",))
    with pytest.raises(Forbidden):
        review(west, visit, "release")


def test_returning_needs_a_comment_on_the_visit_or_its_items(visit, users):
    with pytest.raises(BadRequest, match="say what to correct"):
        review(users["manager"], visit, "return", "  ", {"clean": " "})
    with pytest.raises(BadRequest, match="ghost"):
        review(users["manager"], visit, "return", "", {"ghost": "?"})
    with pytest.raises(BadRequest, match="unknown action"):
        review(users["manager"], visit, "approve")
    event = review(users["manager"], visit, "return", "", {"clean": "请附照片说明哪里不整洁"})
    assert event.item_comments == {"clean": "请附照片说明哪里不整洁"}


def test_a_correction_is_a_new_version_with_history_and_diff(visit, users):
    review(users["manager"], visit, "return", "问候计时有误")
    with pytest.raises(Forbidden):
        resubmit(users["manager"], visit, Correction({}, {}))
    resubmit(users["inspector"], visit, Correction({"clerk": "E1-S1", "clean": False, "greet": 4},
                                                   {"greet": "复核录像后更正"}))
    db.session.commit()
    assert (visit.status, visit.version, visit.score) == ("submitted", 2, 50.0)
    assert [e.action for e in visit.events] == ["submit", "return", "resubmit"]
    assert [r.version for r in visit.revisions] == [1, 2]
    diff = revision_diff(visit, 1, 2)
    assert diff["score"] == (0.0, 50.0)
    [change] = diff["changes"]
    assert change["item"].id == "greet"
    assert change["answer"] == (7, 4) and change["note"] == ("", "复核录像后更正") and change["earned"] == (0.0, 5.0)
    assert visit.staff_results[0].earned == 5.0
    with pytest.raises(Conflict):
        resubmit(users["inspector"], visit, Correction({"clerk": "E1-S1", "clean": True, "greet": 1}, {}))


def test_release_opens_actions_for_failed_critical_items(app, visit, users):
    review(users["manager"], visit, "release")
    [action] = db.session.scalars(select(CorrectiveAction)).all()
    assert (action.item_id, action.critical, action.status, action.staff.code) == ("greet", True, "open", "E1-S1")
    assert action.due_date == localtime.today() + timedelta(days=app.config["ACTION_DUE_DAYS"])
    manual = create_action(users["manager"], visit, "clean", due=localtime.today() - timedelta(days=1))
    assert manual.critical is False
    with pytest.raises(Conflict, match="already has an action"):
        create_action(users["manager"], visit, "clean")
    with pytest.raises(BadRequest, match="did not fail"):
        create_action(users["manager"], visit, "clerk")
    overdue = db.session.scalars(actions_query(users["manager"], overdue=True)).all()
    assert [a.item_id for a in overdue] == ["clean"]
    assert len(db.session.scalars(actions_query(users["manager"], region="East")).all()) == 2
    assert db.session.scalars(actions_query(users["shopper"])).all() == []


def test_an_action_is_due_from_the_branches_day_not_the_servers(app, visit, users, monkeypatch):
    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 11, 24, 16, 30, tzinfo=timezone.utc).astimezone(tz)  # 00:30 on the 25th in Shanghai

    monkeypatch.setattr(localtime, "datetime", Clock)
    review(users["manager"], visit, "release")
    [action] = db.session.scalars(select(CorrectiveAction)).all()
    assert action.due_date == date(2026, 11, 25) + timedelta(days=app.config["ACTION_DUE_DAYS"])


def test_actions_come_from_released_visits_only(visit, users):
    with pytest.raises(Conflict, match="released visits only"):
        create_action(users["manager"], visit, "clean")


def test_closing_needs_a_note_and_a_photo_and_verifying_a_second_person(app, visit, users):
    review(users["manager"], visit, "release")
    action = db.session.scalars(select(CorrectiveAction)).one()
    with pytest.raises(Forbidden):
        advance(users["inspector"], action, "start")
    advance(users["manager"], action, "start")
    add_comment(users["manager"], action, "已安排培训")
    photo = process(factories.jpeg_bytes(640, 480), 10**7, 10**8)
    with pytest.raises(Invalid, match="a note and a photo") as missing:
        advance(users["manager"], action, "close", note="已整改")
    assert [detail["field"] for detail in missing.value.details] == ["photo"]
    with write_with_files(media_store()) as files:
        advance(users["manager"], action, "close", note="已培训并复查", photo=photo, files=files)
    assert action.closing_photo and action.closed_by_id == users["manager"].id
    with pytest.raises(Forbidden, match="someone other than"):
        advance(users["manager"], action, "verify")
    other = factories.make_user("manager", regions=("East",))
    advance(other, action, "verify")
    assert action.status == "verified" and action.verified_by_id == other.id
    with pytest.raises(Conflict, match="this action is verified: it cannot be given 'close'"):
        advance(other, action, "close", note="x", photo=photo)
    assert [c.text for c in action.comments] == ["已安排培训"]


def test_review_api_status_codes(client, visit, users):
    factories.login(client, users["manager"])
    url = f"/api/v1/visits/{visit.uuid}/review"
    assert client.post(url, json={"action": "start"}).get_json()["status"] == "in_review"
    assert client.post(url, json={"action": "start"}).status_code == 409
    assert client.post(url, json={"action": "return"}).status_code == 400
    assert client.post(url, json={"nothing": 1}).status_code == 400
    returned = client.post(url, json={"action": "return", "item_comments": {"greet": "计时不对"}})
    assert returned.status_code == 200 and returned.get_json()["status"] == "returned"
    client.post("/logout")
    factories.login(client, users["inspector"])
    assert client.post(url, json={"action": "release"}).status_code == 403
    body = {"answers": {"clerk": "E1-S1", "clean": True, "greet": 2}, "notes": {}}
    corrected = client.put(f"/api/v1/visits/{visit.uuid}", json=body)
    assert corrected.status_code == 200 and corrected.get_json()["version"] == 2
    retry = client.put(f"/api/v1/visits/{visit.uuid}", json=body)  # the answer was lost: sent again
    assert (retry.status_code, retry.get_json()["version"], retry.get_json()["changed"]) == (200, 2, False)
    other = {**body, "answers": {**body["answers"], "greet": 3}}
    assert client.put(f"/api/v1/visits/{visit.uuid}", json=other).status_code == 409
    bad = client.put(f"/api/v1/visits/{visit.uuid}", json={"answers": {"clean": "yes"}})
    assert bad.status_code in (409, 422)
    client.post("/logout")
    factories.login(client, users["shopper"])
    assert client.post(url, json={"action": "release"}).status_code == 404


def test_review_from_the_visit_page_with_item_comments(client, visit, users):
    factories.login(client, users["manager"])
    page = client.get(f"/visits/{visit.uuid}").get_data(as_text=True)
    assert 'name="comment.greet"' in page and "退回修改" in page
    client.post(f"/visits/{visit.uuid}/review", data={"action": "return", "comment.greet": "计时需复核"})
    assert visit.status == "returned"
    client.post("/logout")
    factories.login(client, users["inspector"])
    page = client.get(f"/visits/{visit.uuid}").get_data(as_text=True)
    assert "审核意见: 计时需复核" in page and f"/visits/{visit.uuid}/correct" in page
    form = client.get(f"/visits/{visit.uuid}/correct").get_data(as_text=True)
    assert 'id="prefill-data"' in form and '"greet": 7' in form
    client.put(f"/api/v1/visits/{visit.uuid}", json={"answers": {"clerk": "E1-S1", "clean": False, "greet": 3}})
    diff = client.get(f"/visits/{visit.uuid}/diff?from=1&to=2").get_data(as_text=True)
    assert "7 秒（标准 5 秒）" in diff and "3 秒（标准 5 秒）" in diff
    assert client.get(f"/visits/{visit.uuid}/diff?from=1&to=9").status_code == 404


def test_actions_pages_list_open_and_close_with_evidence(client, visit, users):
    factories.login(client, users["manager"])
    client.post(f"/visits/{visit.uuid}/review", data={"action": "release"})
    action = db.session.scalars(select(CorrectiveAction)).one()
    listing = client.get("/actions").get_data(as_text=True)
    assert "问候" in listing and f"/actions/{action.id}" in listing
    photo = (io.BytesIO(factories.jpeg_bytes(300, 200)), "fixed.jpg")
    client.post(f"/actions/{action.id}", data={"step": "close", "note": "已复训", "photo": photo},
                content_type="multipart/form-data")
    assert action.status == "done"
    evidence = client.get(f"/actions/{action.id}/evidence")
    assert evidence.status_code == 200 and evidence.mimetype == "image/jpeg"
    evidence.close()
    # The one who closed it is not offered "verify"; forcing it is refused.
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert 'value="verify"' not in page and 'value="reopen"' in page
    assert client.post(f"/actions/{action.id}", data={"step": "verify"}).status_code == 403
    client.post("/logout")
    factories.login(client, users["shopper"])
    assert client.get(f"/actions/{action.id}").status_code == 404
    assert client.get("/actions").status_code == 403


def test_the_submitter_and_the_branch_managers_are_told(app, visit, users, runner):
    west = factories.make_user("manager", regions=("West",))
    second = factories.make_user("manager", branches=("E1",))
    review(users["manager"], visit, "return", "请补拍")
    told = db.session.scalars(select(Notification).order_by(Notification.id)).all()
    assert [(n.user_id, n.kind, n.link) for n in told] == [
        (users["inspector"].id, "visit.returned", f"/visits/{visit.uuid}/correct")]
    resubmit(users["inspector"], visit, Correction({"clerk": "E1-S1", "clean": False, "greet": 7}, {}))
    review(users["manager"], visit, "release")  # opens an action for the failed critical greeting
    db.session.commit()
    kinds = {(n.user_id, n.kind) for n in db.session.scalars(select(Notification))}
    assert (users["inspector"].id, "visit.released") in kinds
    assert (second.id, "action.assigned") in kinds  # the other manager of E1, not the one who released it
    assert not {(users["manager"].id, "action.assigned"), (west.id, "action.assigned")} & kinds
    db.session.execute(update(CorrectiveAction).values(due_date=date(2026, 1, 1)))
    db.session.commit()
    assert "overdue corrective actions: 2 notices" in runner.invoke(args=["remind"]).output
    assert "overdue corrective actions: 0 notices" in runner.invoke(args=["remind"]).output  # once per action
