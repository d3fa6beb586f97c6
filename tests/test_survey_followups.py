"""A poor score, or a comment with consent, opens a follow-up case for the branch, due in days where it is."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from inspection import localtime
from inspection.actions.models import CorrectiveAction
from inspection.extensions import db
from inspection.lifecycle import ActionStatus
from inspection.notifications.models import Notification
from inspection.surveys.followups import case_title
from inspection.surveys.models import SurveyResponse

from . import factories
from .survey_pages import enable, offer_surveys, quick_form

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def surveys(app, org, tmp_path):
    offer_surveys(app, tmp_path / "checklists")


def _answer(app, link, **fields):
    sent = app.test_client().post(f"/s/{link.token}", data=quick_form(app, link, **fields))
    assert sent.status_code == 200, sent.get_data(as_text=True)[:500]
    return db.session.scalars(select(SurveyResponse).order_by(SurveyResponse.id.desc())).first()


def _case(response) -> CorrectiveAction | None:
    return db.session.scalar(select(CorrectiveAction).where(CorrectiveAction.response_id == response.id))


def _at(monkeypatch, moment: datetime) -> None:
    """Make it this moment where the branches are."""
    monkeypatch.setattr(localtime, "now", lambda: moment.astimezone(localtime.zone()))


@pytest.mark.parametrize(("moment", "due"), [
    (datetime(2026, 11, 24, 23, 30, tzinfo=SHANGHAI), date(2026, 11, 27)),
    # 07:00 in Shanghai is still the day before in UTC: the case is due three days after the branch's date.
    (datetime(2026, 11, 25, 7, 0, tzinfo=SHANGHAI), date(2026, 11, 28)),
])
def test_a_score_below_the_threshold_opens_a_case_due_in_three_local_days(app, users, surveys, monkeypatch, moment,
                                                                          due):
    link = enable(users["manager"], "E1")
    _at(monkeypatch, moment)
    response = _answer(app, link, **{"a.satisfied": "1", "a.solved": "false", "a.wait": "long"})
    assert response.score == 0
    case = _case(response)
    assert case is not None and case.due_date == due and case.status == ActionStatus.OPEN
    assert (case.branch_id, case.staff_id, case.visit_id, case.item_id) == (link.branch_id, None, None, None)
    assert case.title == "顾客回访（得分 0）" and case.created_by_id == users["manager"].id and not case.critical


def test_a_comment_with_consent_opens_a_case_whose_title_never_repeats_the_comment(app, users, surveys):
    link = enable(users["manager"], "E1", staff="E1-S1")
    comment = "营业员办理业务时一直在看手机，请回电 13900000000"
    response = _answer(app, link, comment=comment, consent="yes", contact="13900000000")
    case = _case(response)
    assert response.score == 100 and case is not None and case.staff_id == link.staff_id
    # Lists, notices and PDFs show the title: the customer's words (and numbers) stay on the case page.
    assert case.title == case_title(response) == "顾客回访（得分 100）" and "139" not in case.title


def test_a_link_opens_at_most_its_daily_cap_of_cases(app, users, surveys):
    app.config["SURVEY_FOLLOW_UPS_PER_LINK_DAY"] = 2
    link = enable(users["manager"], "E1")
    poor = {"a.satisfied": "1", "a.solved": "false", "a.wait": "long"}
    responses = [_answer(app, link, **poor) for _ in range(3)]  # each scores 0: each would need a case
    assert [_case(response) is not None for response in responses] == [True, True, False]


@pytest.mark.parametrize("fields", [
    {"comment": "还可以"},  # a comment without consent: nobody to call back, and the score is fine
    {"consent": "yes", "contact": "13900000000"},  # consent without a comment
    {"a.satisfied": "4"},  # 87.5: above the threshold
])
def test_no_case_without_a_poor_score_or_a_comment_to_answer(app, users, surveys, fields):
    link = enable(users["manager"], "E1")
    assert _case(_answer(app, link, **fields)) is None


def test_the_threshold_and_the_days_are_settings(app, users, surveys, monkeypatch):
    app.config.update(SURVEY_FOLLOW_UP_BELOW=95, SURVEY_FOLLOW_UP_DAYS=5)
    _at(monkeypatch, datetime(2026, 12, 30, 9, 0, tzinfo=SHANGHAI))
    link = enable(users["manager"], "E1")
    case = _case(_answer(app, link, **{"a.satisfied": "4"}))
    assert case is not None and case.due_date == date(2027, 1, 4)


def test_the_branchs_managers_are_told_and_no_one_else(app, users, surveys):
    west = factories.make_user("manager", regions=("West",))
    branch_only = factories.make_user("manager", branches=("E1",))
    db.session.commit()
    link = enable(users["admin"], "E1")
    case = _case(_answer(app, link, **{"a.satisfied": "1"}))
    told = db.session.scalars(select(Notification).where(Notification.link == f"/actions/{case.id}")).all()
    assert sorted(note.user_id for note in told) == sorted([users["manager"].id, branch_only.id])
    assert west.id not in {note.user_id for note in told} and case.created_by_id == users["admin"].id
    assert {note.kind for note in told} == {"followup.opened"}
    assert told[0].params == {"branch_name": "Branch E1", "title": case.title, "due_date": case.due_date.isoformat()}
