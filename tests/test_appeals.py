"""Appeals: the branch contests items of a released visit in time; another manager decides; upheld items rescore it."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from inspection import localtime
from inspection.actions.models import CorrectiveAction
from inspection.appeals.decisions import ItemDecision, decide
from inspection.appeals.models import Appeal
from inspection.appeals.rates import wilson
from inspection.appeals.reports import appeal_report
from inspection.appeals.services import check_may_file, file_appeal, last_day, released_at
from inspection.extensions import db
from inspection.notifications.models import Notification
from inspection.performance.reports import staff_report
from inspection.problems import Conflict, Forbidden, Invalid
from inspection.review.services import review
from inspection.visits.models import StaffResult, VisitEvent
from inspection.visits.services import submit_visit

from . import factories
from .test_races import race

FAILED = {"clerk": "E1-S1", "clean": False, "greet": 9}  # 0 points: "greet" is critical and took too long


@pytest.fixture
def people(app, org, users, small, branch_lead):
    second = factories.make_user("manager", regions=("East",))
    db.session.commit()
    return {**users, "manager2": second, "branch": branch_lead}


def released(people, answers=None, kind="inspection", who="inspector", branch="E1"):
    """Return a visit of the small checklist, released by the East manager."""
    answers = dict(answers or FAILED, clerk=f"{branch}-S1")
    visit, _ = submit_visit(people[who], factories.small_checklist(kind), factories.submission(branch, answers))
    review(people["manager"], visit, "release")
    db.session.commit()
    return visit


def appealed(people, visit, items=("clean",), reason="地面当时是刚拖过的"):
    appeal = file_appeal(people["branch"], visit, list(items), reason)
    db.session.commit()
    return appeal


def codes(problem) -> list[str]:
    return [detail["code"] for detail in problem.details]


# -- filing ---------------------------------------------------------------------------------------

def test_release_tells_the_branch_side_until_when_it_may_appeal(people):
    visit = released(people)
    told = db.session.scalar(select(Notification).where(Notification.user_id == people["branch"].id))
    assert told.kind == "visit.appealable" and told.link == f"/visits/{visit.uuid}"
    assert told.params["due_date"] == (localtime.local(released_at(visit)).date() + timedelta(days=7)).isoformat()


def test_the_branch_files_an_appeal_and_the_branchs_managers_hear_of_it(people):
    visit = released(people, who="admin")
    appeal = appealed(people, visit, ["clean", "greet"])
    assert appeal.status == "open" and appeal.version == 1
    assert [(item.item_id, item.answer, item.outcome) for item in appeal.items] == [
        ("clean", False, None), ("greet", 9, None)]
    told = set(db.session.scalars(select(Notification.user_id).where(Notification.kind == "appeal.filed")))
    assert told == {people["manager"].id, people["manager2"].id}


def test_the_window_ends_with_the_seventh_local_day_after_release(people):
    visit = released(people)
    closes = localtime.day_start(last_day(visit) + timedelta(days=1))
    check_may_file(people["branch"], visit, closes - timedelta(microseconds=1))
    with pytest.raises(Conflict, match="closed at the end of"):
        check_may_file(people["branch"], visit, closes)
    with pytest.raises(Conflict):
        file_appeal(people["branch"], visit, ["clean"], "迟到了", now=closes)
    assert last_day(visit) - localtime.local(released_at(visit)).date() == timedelta(days=7)


def test_the_window_follows_the_setting(app, people):
    app.config["APPEAL_DAYS"] = 2
    visit = released(people)
    assert last_day(visit) == localtime.local(released_at(visit)).date() + timedelta(days=2)


def test_only_a_released_visit_of_ones_branch_is_appealed_once(people):
    unreleased, _ = submit_visit(people["inspector"], factories.small_checklist(), factories.submission("E1", FAILED))
    with pytest.raises(Conflict, match="only released"):
        file_appeal(people["branch"], unreleased, ["clean"], "不对")
    with pytest.raises(Forbidden):
        file_appeal(people["branch"], released(people, branch="E2"), ["clean"], "不对")
    visit = released(people)
    for who in ("manager", "inspector", "admin"):
        with pytest.raises(Forbidden):
            file_appeal(people[who], visit, ["clean"], "不对")
    appealed(people, visit)
    with pytest.raises(Conflict, match="one appeal per visit"):
        file_appeal(people["branch"], visit, ["greet"], "还有")


def test_an_appeal_names_items_of_the_checklist_and_a_reason(people):
    visit = released(people)
    with pytest.raises(Invalid) as refused:
        file_appeal(people["branch"], visit, [], "  ")
    assert codes(refused.value) == ["appeal_items_required", "appeal_reason_required"]
    with pytest.raises(Invalid) as refused:
        file_appeal(people["branch"], visit, ["clean", "nope", "overview"], "不对")
    assert codes(refused.value) == ["unknown_item", "unknown_item"]  # a photo item takes no answer to correct
    with pytest.raises(Invalid) as refused:
        file_appeal(people["branch"], visit, ["clean"], "长" * 4001)
    assert codes(refused.value) == ["text_too_long"]


def test_the_form_says_what_is_wrong_in_the_readers_language(client, people):
    visit = released(people)
    factories.login(client, people["branch"])
    page = client.get(f"/visits/{visit.uuid}").get_data(as_text=True)
    assert f'href="/visits/{visit.uuid}/appeal"' in page
    response = client.post(f"/visits/{visit.uuid}/appeal", data={"reason": ""})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "请至少选择一个申诉项目。" in text and "请说明这些答案错在哪里。" in text


# -- deciding -------------------------------------------------------------------------------------

def test_neither_the_branch_nor_the_evaluator_nor_another_region_decides(people):
    visit = released(people, who="admin")  # scored by the admin
    appeal = appealed(people, visit)
    west = factories.make_user("manager", regions=("West",))
    for who in (people["branch"], people["admin"], west, people["inspector"]):
        with pytest.raises(Forbidden):
            decide(who, appeal, {"clean": ItemDecision(True, "true")}, "属实")
    decide(people["manager"], appeal, {"clean": ItemDecision(True, "true")}, "属实")
    assert appeal.status == "upheld"


def test_an_upheld_appeal_makes_a_new_version_with_new_scores_and_staff_results(app, client, people):
    app.config["MIN_STAFF_SAMPLE"] = 1  # ranked on the leaderboard, so that it shows the score
    visit = released(people)
    action = db.session.scalar(select(CorrectiveAction).where(CorrectiveAction.visit_id == visit.id))
    appeal = appealed(people, visit, ["clean", "greet"])
    before = staff_report(visit.branch.staff[0], visit.finished_at.date(), visit.finished_at.date()).total.score
    upheld = {"clean": ItemDecision(True, "true"), "greet": ItemDecision(True, "3")}
    decide(people["manager"], appeal, upheld, "复核录像")
    db.session.commit()
    assert (appeal.status, appeal.decided_version, visit.version, visit.status) == ("upheld", 2, 2, "released")
    assert (visit.score, visit.passed, visit.critical_failures) == (100.0, True, 0)
    [result] = db.session.scalars(select(StaffResult).where(StaffResult.visit_id == visit.id)).all()
    assert (result.earned, result.possible, result.counted) == (10.0, 10.0, True)
    after = staff_report(visit.branch.staff[0], visit.finished_at.date(), visit.finished_at.date()).total.score
    assert (before, after) == (0.0, 100.0)
    assert [item.corrected for item in appeal.items] == [True, 3]
    events = db.session.scalars(select(VisitEvent.action).where(VisitEvent.visit_id == visit.id)).all()
    assert events == ["submit", "release", "amend"]
    assert [revision.version for revision in visit.revisions] == [1, 2]
    assert db.session.get(CorrectiveAction, action.id).status == "open"  # left for a manager to close
    factories.login(client, people["branch"])
    diff = client.get(f"/visits/{visit.uuid}/diff?from=1&to=2").get_data(as_text=True)
    assert "整洁" in diff and "问候" in diff
    november = "from=2026-11-01&to=2026-11-30"  # the visit's month, not the default last 90 days
    board = client.get(f"/performance/leaderboard?{november}").get_data(as_text=True)
    assert '<strong>100.0</strong>' in board
    staff_page = client.get(f"/performance/staff/E1-S1?{november}").get_data(as_text=True)
    assert 'id="amended"' in staff_page and "0.0" in staff_page and "100.0" in staff_page
    assert 'id="no-longer-failed"' in client.get(f"/actions/{action.id}").get_data(as_text=True)


def test_a_partly_upheld_appeal_corrects_only_the_upheld_items(people):
    visit = released(people)
    appeal = appealed(people, visit, ["clean", "greet"])
    decide(people["manager"], appeal, {"clean": ItemDecision(True, "true"), "greet": ItemDecision(False)}, "部分属实")
    db.session.commit()
    assert (appeal.status, visit.version, visit.score) == ("partly_upheld", 2, 50.0)
    assert [(item.outcome, item.corrected) for item in appeal.items] == [("upheld", True), ("rejected", None)]
    assert visit.result["critical_failures"] == ["greet"]


def test_na_is_a_correction_where_the_item_allows_it(app, people):
    visit = released(people)
    appeal = appealed(people, visit, ["clean"])
    with pytest.raises(Invalid) as refused:
        decide(people["manager"], appeal, {"clean": ItemDecision(True, na=True)}, "不适用")
    assert codes(refused.value) == ["na_not_allowed"]


def test_a_rejected_appeal_leaves_the_visit_as_it_was(people):
    visit = released(people)
    appeal = appealed(people, visit)
    decide(people["manager"], appeal, {"clean": ItemDecision(False)}, "照片显示地面有水渍")
    db.session.commit()
    assert (appeal.status, appeal.decided_version, visit.version, visit.score) == ("rejected", None, 1, 0.0)
    told = db.session.scalar(select(Notification).where(Notification.kind == "appeal.decided"))
    assert told.user_id == people["branch"].id and told.params["outcome"] == "rejected"


def test_a_decision_decides_every_item_with_an_answer_the_item_takes_and_a_comment(people):
    visit = released(people)
    appeal = appealed(people, visit, ["clean", "greet"])
    with pytest.raises(Invalid) as refused:
        decide(people["manager"], appeal, {"clean": ItemDecision(True, "false")}, "")
    assert codes(refused.value) == ["decision_missing", "answer_unchanged", "decision_comment_required"]
    with pytest.raises(Invalid) as refused:
        decide(people["manager"], appeal, {"clean": ItemDecision(True, "maybe"), "greet": ItemDecision(True, "-1")},
               "改")
    assert codes(refused.value) == ["invalid", "invalid"]
    db.session.rollback()
    assert db.session.get(Appeal, appeal.id).status == "open" and visit.version == 1


def test_two_managers_deciding_at_once_make_one_decision(app, people):
    forms = [{"outcome.clean": "upheld", "value.clean": "true", "comment": "属实"},
             {"outcome.clean": "rejected", "comment": "不属实"}]
    for _ in range(3):
        visit = released(people)
        appeal_id = appealed(people, visit).id
        responses = race(app, [people["manager"], people["manager2"]],
                         lambda c, i, appeal_id=appeal_id: c.post(f"/appeals/{appeal_id}", data=forms[i]))
        assert sorted(response.status_code for response in responses) == [302, 409]
        events = db.session.scalars(select(VisitEvent.action).where(VisitEvent.visit_id == visit.id)).all()
        assert events.count("amend") == (db.session.get(Appeal, appeal_id).status == "upheld")


# -- what people see ------------------------------------------------------------------------------

def test_the_branch_never_learns_who_shopped_the_visit_it_appeals(client, people):
    visit = released(people, {"clerk": "E1-S1", "clean": False, "greet": 3}, kind="mystery_shop", who="shopper")
    appeal = appealed(people, visit)
    decide(people["manager"], appeal, {"clean": ItemDecision(True, "true")}, "属实")
    db.session.commit()
    factories.login(client, people["branch"])
    shopper = people["shopper"]
    for path in (f"/appeals/{appeal.id}", "/appeals", f"/visits/{visit.uuid}", "/notifications", "/",
                 f"/visits/{visit.uuid}/scorecard"):
        html = client.get(path).get_data(as_text=True)
        assert shopper.name not in html and shopper.email not in html, path
    pdf = client.get(f"/visits/{visit.uuid}/scorecard.pdf").data
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert shopper.name not in text and "申诉成立" in text


def test_the_scorecard_prints_the_outcome_and_is_not_served_stale(client, people):
    visit = released(people)
    appeal = appealed(people, visit)
    factories.login(client, people["manager"])
    pdf_text = lambda: "\n".join(page.extract_text() for page in PdfReader(  # noqa: E731
        io.BytesIO(client.get(f"/visits/{visit.uuid}/scorecard.pdf").data)).pages)
    assert "待处理" in pdf_text()
    decide(people["manager2"], appeal, {"clean": ItemDecision(False)}, "照片显示地面有水渍")
    db.session.commit()
    assert "驳回" in pdf_text() and "照片显示地面有水渍" in pdf_text()


def test_the_home_pages_list_what_waits(client, people):
    visit = released(people)
    factories.login(client, people["branch"])
    home = client.get("/").get_data(as_text=True)
    assert 'id="branch-appeals"' in home and f"/visits/{visit.uuid}/appeal" in home
    appealed(people, visit)
    home = client.get("/").get_data(as_text=True)
    assert f"/visits/{visit.uuid}/appeal" not in home and "/appeals/" in home
    other = client.application.test_client()
    factories.login(other, people["manager"])
    assert 'id="open-appeals"' in other.get("/").get_data(as_text=True)


# -- the report -----------------------------------------------------------------------------------

def test_the_report_counts_appeal_and_upheld_rates_by_evaluator_and_item(people):
    by_inspector = [released(people) for _ in range(4)]
    by_admin = released(people, who="admin")
    decide(people["manager"], appealed(people, by_inspector[0], ["clean", "greet"]),
           {"clean": ItemDecision(True, "true"), "greet": ItemDecision(False)}, "部分")
    decide(people["manager"], appealed(people, by_inspector[1]), {"clean": ItemDecision(False)}, "不")
    appealed(people, by_admin)
    db.session.commit()
    day = by_admin.finished_at.date()
    report = appeal_report(people["manager"], day, day)
    rows = {person.email: (rates.visits, rates.appealed, rates.decided, rates.upheld)
            for person, rates in report.evaluators}
    assert rows == {people["inspector"].email: (4, 2, 2, 1), people["admin"].email: (1, 1, 0, 0)}
    assert (report.total.visits, report.total.appealed, report.total.decided, report.total.upheld) == (5, 3, 2, 1)
    assert report.total.appeal_rate.mean == pytest.approx(3 / 5) and report.total.upheld_rate.mean == 0.5
    items = {text: (rates.visits, rates.appealed, rates.decided, rates.upheld) for _, text, rates in report.items}
    assert items == {"整洁": (5, 3, 2, 1), "问候": (5, 1, 1, 0)}


def test_wilson_intervals_match_the_textbook():
    estimate = wilson(1, 10, confidence=0.95)
    assert (round(estimate.low, 4), round(estimate.high, 4)) == (0.0179, 0.4042)
    assert wilson(0, 20).low == 0.0 and wilson(0, 20).high > 0.05
    assert wilson(0, 0).mean is None


# -- review fixes ---------------------------------------------------------------------------------

def test_an_upheld_appeal_keeps_staff_who_left_since_the_visit(people):
    visit = released(people)
    appeal = appealed(people, visit)
    visit.branch.staff[0].active = False  # E1-S1 left after the visit
    db.session.commit()
    decide(people["manager"], appeal, {"clean": ItemDecision(True, "true")}, "属实")
    db.session.commit()
    assert (appeal.status, visit.version) == ("upheld", 2)
    assert [row.staff.code for row in visit.staff_results] == ["E1-S1"]


def test_an_upheld_answer_may_not_lower_the_score(people):
    visit = released(people, {"clerk": "E1-S1", "clean": True, "greet": 9})
    appeal = appealed(people, visit, ["clean"])
    with pytest.raises(Invalid) as refused:
        decide(people["manager"], appeal, {"clean": ItemDecision(True, "false")}, "改")
    assert codes(refused.value) == ["amend_lowers_score"]


def test_a_corrected_answer_nested_past_any_depth_is_refused_not_a_500(client, people):
    appeal = appealed(people, released(people))
    factories.login(client, people["manager"])
    response = client.post(f"/appeals/{appeal.id}", data={"outcome.clean": "upheld", "value.clean": "[" * 50_000,
                                                          "comment": "改"})
    assert response.status_code == 422 and db.session.get(Appeal, appeal.id).status == "open"


def test_the_branch_reads_what_was_released_not_the_review_before_it(client, people):
    sub = factories.submission(answers=FAILED)
    visit, _ = submit_visit(people["inspector"], factories.small_checklist(), sub)
    review(people["manager"], visit, "return", "评语：请补拍照片")
    db.session.commit()
    from inspection.review.correction import Correction, resubmit
    resubmit(people["inspector"], visit, Correction(answers=dict(FAILED, greet=4), notes={}))
    review(people["manager"], visit, "release")
    db.session.commit()
    factories.login(client, people["branch"])
    page = client.get(f"/visits/{visit.uuid}").get_data(as_text=True)
    assert "请补拍照片" not in page and "v1 → v2" not in page
    assert client.get(f"/visits/{visit.uuid}/diff?from=1&to=2").status_code == 404
    assert client.get(f"/visits/{visit.uuid}/diff").status_code == 200  # from its release on
    manager = factories.login(client, people["manager"]) and client
    assert "请补拍照片" in manager.get(f"/visits/{visit.uuid}").get_data(as_text=True)
