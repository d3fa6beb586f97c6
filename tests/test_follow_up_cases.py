"""Customers' follow-up cases on the action pages: listed, shown (the contact only with consent, to who calls back),
moved open → done → verified with a note and no photo, overdue on the manager's home in local dates, notified."""

from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta, timezone

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from inspection import access, localtime
from inspection.actions.services import actions_query, create_action, remind_overdue, tell_managers
from inspection.extensions import db
from inspection.notifications.models import Notification
from inspection.notifications.texts import line
from inspection.review.services import review
from inspection.visits.services import submit_visit

from . import customers, factories

CONTACT = "138 0013 8000"
COMMENT = "排队四十分钟，窗口只开了一个"


@pytest.fixture
def cases(app, org, users):
    """Two follow-up cases at E1: one with consent and a contact (overdue), one without; a corrective action too."""
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    today = localtime.today()
    link = customers.link(org.branches["E1"], users["manager"])
    moment = datetime(2026, 11, 20, 16, 30, tzinfo=timezone.utc)  # 00:30 on 21 November in Shanghai
    consented = customers.respond(link, customers.answers((7, 3), (6, 2), overall=1, said="希望多开窗口"), moment,
                                  comment=COMMENT, contact=CONTACT)
    silent = customers.respond(link, customers.answers((5, 4), (5, 5), overall=2), moment + timedelta(hours=1))
    called = customers.follow_up(consented, users["manager"], today - timedelta(days=1), title="排队太久")
    quiet = customers.follow_up(silent, users["manager"], today + timedelta(days=3))
    sub = factories.submission(answers={"clerk": "E1-S1", "clean": False, "greet": 3})
    visit, _ = submit_visit(users["inspector"], factories.small_checklist(), sub)
    review(users["manager"], visit, "release")
    corrective = create_action(users["manager"], visit, "clean", due=today - timedelta(days=2))
    db.session.commit()
    return {"called": called, "quiet": quiet, "corrective": corrective}


def _section(page: str, marker: str) -> str:
    return page.split(marker)[1].split("</section>")[0]


def test_follow_up_cases_are_listed_as_such_with_branch_due_date_and_overdue(client, cases, users):
    factories.login(client, users["manager"])
    page = client.get("/actions").get_data(as_text=True)
    rows = re.findall(r"<tr class=\"(overdue)?\">(.*?)</tr>", page, re.S)
    called = next(row for state, row in rows if "排队太久" in row)
    assert "顾客回访" in called and "Branch E1" in called and "已逾期" in called
    assert str(cases["called"].due_date) in called
    quiet = next((state, row) for state, row in rows if f"/actions/{cases['quiet'].id}" in row)
    assert quiet[0] == "" and "已逾期" not in quiet[1] and "顾客回访" in quiet[1]
    only = client.get("/actions?kind=follow_up").get_data(as_text=True)
    assert f"/actions/{cases['called'].id}\"" in only and f"/actions/{cases['corrective'].id}\"" not in only
    fixes = client.get("/actions?kind=corrective&overdue=1").get_data(as_text=True)
    assert f"/actions/{cases['corrective'].id}\"" in fixes and f"/actions/{cases['called'].id}\"" not in fixes
    assert client.get("/actions?kind=complaint").status_code == 400
    assert [action.id for action in db.session.scalars(actions_query(users["manager"], kind="follow_up"))] == [
        cases["called"].id, cases["quiet"].id]


def test_the_page_shows_the_response_as_a_person_reads_it_and_the_contact_with_consent(client, cases, users):
    factories.login(client, users["manager"])
    page = client.get(f"/actions/{cases['called'].id}").get_data(as_text=True)
    response = _section(page, 'id="customer-response"')
    assert "2026-11-21 00:30" in response  # in Shanghai time
    assert "0.0" in response and COMMENT in response and "希望多开窗口" in response
    assert "业务一次办好" in response and "期望 7，感受 3" in response and "1 / 5" in response
    assert CONTACT in response and 'id="failed-item"' not in page
    assert "顾客回访" in page and "检查记录 " not in _section(page, "<h1>")  # no visit to link to
    # No consent: no contact was kept, and the page says so.
    quiet = client.get(f"/actions/{cases['quiet'].id}").get_data(as_text=True)
    assert "顾客没有留下回访联系方式。" in quiet and "顾客没有留下意见。" in quiet
    client.post("/logout")
    # An inspector of the branch reads the case, not how to reach the customer.
    factories.login(client, users["inspector"])
    page = client.get(f"/actions/{cases['called'].id}").get_data(as_text=True)
    assert COMMENT in page and CONTACT not in page and "本营业厅的经理可以看到联系方式" in page
    client.post("/logout")
    factories.login(client, users["shopper"])
    assert client.get(f"/actions/{cases['called'].id}").status_code == 404


def test_a_contact_without_consent_is_never_shown(client, cases, users):
    """Contacts are kept only with consent; should a row hold one without, the policy still refuses it."""
    response = cases["quiet"].response
    response.contact = CONTACT
    db.session.commit()
    assert not access.can(users["manager"], "action.customer_contact", cases["quiet"])
    assert access.can(users["manager"], "action.customer_contact", cases["called"])
    assert not access.can(users["manager"], "action.customer_contact", cases["corrective"])
    factories.login(client, users["manager"])
    assert CONTACT not in client.get(f"/actions/{cases['quiet'].id}").get_data(as_text=True)


def test_a_follow_up_moves_open_done_verified_with_a_note_and_no_photo(app, client, cases, users):
    case = cases["called"]
    other = factories.make_user("manager", regions=("East",))
    db.session.commit()
    factories.login(client, users["manager"])
    page = client.get(f"/actions/{case.id}").get_data(as_text=True)
    assert "回访说明：如何联系顾客、告知了什么" in page and "照片（可选）" in page and ">开始回访</button>" in page
    assert client.post(f"/actions/{case.id}", data={"step": "start"}).status_code == 302
    refused = client.post(f"/actions/{case.id}", data={"step": "close", "note": "  "})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "完成顾客回访需要填写说明" in page
    assert "请上传整改后的照片" not in page  # a call-back needs no photo
    answer = client.post(f"/actions/{case.id}", data={"step": "close", "note": "已致电顾客致歉，增开一个窗口"},
                         follow_redirects=True)
    assert "顾客回访已标记为完成，将由其他人验收。" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert (case.status, case.closing_note, case.closing_photo) == ("done", "已致电顾客致歉，增开一个窗口", None)
    assert access.steps(users["manager"], "action", case) == ["reopen"]
    client.post("/logout")
    factories.login(client, other)
    page = client.get(f"/actions/{case.id}").get_data(as_text=True)
    assert 'data-confirm="确认验收此顾客回访？' in page
    answer = client.post(f"/actions/{case.id}", data={"step": "verify"}, follow_redirects=True)
    assert "顾客回访已验收。" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert case.status == "verified" and case.verified_by_id == other.id


def test_a_follow_up_may_still_carry_a_photo_and_a_fix_still_needs_one(client, cases, users):
    factories.login(client, users["manager"])
    photo = (io.BytesIO(factories.jpeg_bytes(300, 200)), "apology.jpg")
    answer = client.post(f"/actions/{cases['quiet'].id}", data={"step": "close", "note": "已回访", "photo": photo},
                         content_type="multipart/form-data")
    assert answer.status_code == 302
    db.session.expire_all()
    assert cases["quiet"].closing_photo is not None
    evidence = client.get(f"/actions/{cases['quiet'].id}/evidence")
    assert evidence.status_code == 200 and evidence.mimetype == "image/jpeg"
    evidence.close()
    refused = client.post(f"/actions/{cases['corrective'].id}", data={"step": "close", "note": "已整改"})
    assert refused.status_code == 422 and "请上传整改后的照片" in refused.get_data(as_text=True)


def test_reopened_follow_ups_ask_for_a_new_note_only(client, cases, users):
    case = cases["called"]
    factories.login(client, users["manager"])
    client.post(f"/actions/{case.id}", data={"step": "close", "note": "已回访"})
    page = client.get(f"/actions/{case.id}").get_data(as_text=True)
    assert "确认重新打开此顾客回访？它将回到待处理状态，需重新填写回访说明后才能完成。" in page
    answer = client.post(f"/actions/{case.id}", data={"step": "reopen"}, follow_redirects=True)
    assert "顾客回访已重新打开：需要重新填写回访说明。" in answer.get_data(as_text=True)


def _home_counts(client) -> str:
    return client.get("/").get_data(as_text=True).split('id="manager-counts"')[1].split("</section>")[0]


def test_overdue_follow_ups_have_their_own_count_on_the_managers_home(client, cases, users):
    factories.login(client, users["manager"])
    counts = _home_counts(client)
    follow_ups = counts.split('id="overdue-follow-ups"')[1].split("</li>")[0]
    assert "/actions?overdue=1&amp;kind=follow_up" in follow_ups and "<strong>1</strong>" in follow_ups
    assert "逾期的顾客回访" in follow_ups
    corrective = re.search(r'<a href="/actions\?overdue=1&amp;kind=corrective"><strong>(\d+)</strong>', counts)
    assert corrective.group(1) == "1"  # the failed item's action, not the follow-up
    client.post("/logout")
    factories.login(client, users["inspector"])
    assert 'id="manager-counts"' not in client.get("/").get_data(as_text=True)


def test_overdue_is_decided_by_the_date_where_the_branches_are(app, client, cases, users):
    """Due "today" in Pago Pago (UTC-11) is already past in Kiritimati (UTC+14), whatever the server's clock."""
    app.config["TIMEZONE"] = "Pacific/Pago_Pago"
    case = cases["called"]
    case.due_date = localtime.today()
    db.session.commit()
    factories.login(client, users["manager"])
    assert "<strong>0</strong>" in _home_counts(client).split('id="overdue-follow-ups"')[1].split("</li>")[0]
    assert not case.overdue(localtime.today())
    app.config["TIMEZONE"] = "Pacific/Kiritimati"
    assert localtime.today() > case.due_date and case.overdue(localtime.today())
    assert "<strong>1</strong>" in _home_counts(client).split('id="overdue-follow-ups"')[1].split("</li>")[0]


def test_managers_hear_of_follow_ups_in_words_of_a_call_back(app, cases, users):
    case = cases["called"]
    assert tell_managers(case, "opened") == 1
    assert remind_overdue(localtime.today()) == 2  # the follow-up and the corrective action, once each
    assert remind_overdue(localtime.today()) == 0
    kinds = sorted(db.session.scalars(select(Notification.kind).where(Notification.user_id == users["manager"].id)))
    assert kinds == ["action.overdue", "followup.opened", "followup.overdue"]
    params = {"branch_name": "Branch E1", "title": "排队太久", "due_date": "2026-11-24"}
    assert line("followup.opened", params) == "Branch E1 有顾客待回访：排队太久，请于 2026-11-24 前完成"
    with force_locale("en"):
        assert line("followup.overdue", params) == \
            "Overdue customer follow-up at Branch E1: 排队太久, was due 2026-11-24"
        assert "visit" not in line("followup.opened", params).lower()


def test_the_branch_scorecard_lists_follow_ups_among_open_actions(client, cases, users):
    factories.login(client, users["manager"])
    today = localtime.today()
    page = client.get(f"/branches/E1/scorecard?from={today - timedelta(days=30)}&to={today}").get_data(as_text=True)
    assert "顾客回访：排队太久" in page


def test_the_due_date_fixture_is_in_local_days(cases):
    assert isinstance(cases["called"].due_date, date) and cases["called"].due_date < localtime.today()
