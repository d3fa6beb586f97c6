"""Customer survey links (enable, rotate, close, scope), the public page, and what a stored response keeps."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import flask
import pytest
from sqlalchemy import func, select, text

from inspection import create_app
from inspection.catalog.models import ChecklistVersion
from inspection.catalog.services import get_catalog, refresh_catalog
from inspection.extensions import db
from inspection.org.models import Branch, Staff
from inspection.surveys.models import SurveyLink, SurveyRejection, SurveyResponse

from . import factories
from .conftest import _test_config
from .survey_pages import enable, link_of, offer_surveys, quick_form, servqual_form


@pytest.fixture
def surveys(app, org, tmp_path):
    offer_surveys(app, tmp_path / "checklists")


@pytest.fixture
def manager(app, users, surveys):
    client = app.test_client()
    factories.login(client, users["manager"])
    return client


PHOTO_SURVEY = """\
id: photo-survey
title: 带照片的调查
kind: survey
sections:
  - id: s
    title: 服务
    items:
      - {id: overall, text: 总体满意度, type: rating, points: 5}
      - {id: receipt, text: 小票照片, type: photo, required: true}
"""


def _active(branch_code: str = "E1") -> list[SurveyLink]:
    return list(db.session.scalars(select(SurveyLink).join(SurveyLink.branch)
                                   .where(SurveyLink.active, SurveyLink.branch.has(code=branch_code))))


# -- links -----------------------------------------------------------------------------------------

def test_a_manager_enables_a_link_with_an_unguessable_token_and_a_qr_code(manager):
    response = manager.post("/surveys/links", data={"checklist": "servqual-survey", "branch": "E1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/surveys#branch-E1")
    [link] = _active()
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", link.token) and link.staff_id is None
    page = manager.get("/surveys").get_data(as_text=True)
    assert f"/s/{link.token}" in page and '<svg' in page and "链接已开启" in page
    assert 'data-confirm="' in page  # rotate and close ask first

    again = manager.post("/surveys/links", data={"checklist": "servqual-survey", "branch": "E1"})
    assert again.status_code == 302 and [row.id for row in _active()] == [link.id]  # one active link per target
    assert "flash-error" not in manager.get("/surveys").get_data(as_text=True)


def test_a_badge_link_is_its_own_target(manager):
    manager.post("/surveys/links", data={"checklist": "quick-check", "branch": "E1"})
    manager.post("/surveys/links", data={"checklist": "quick-check", "branch": "E1", "staff": "E1-S1"})
    manager.post("/surveys/links", data={"checklist": "servqual-survey", "branch": "E1", "staff": "E1-S1"})
    links = _active()
    staff = db.session.scalar(select(Staff).where(Staff.code == "E1-S1"))
    assert {(link.checklist_id, link.staff_id) for link in links} == {
        ("quick-check", None), ("quick-check", staff.id), ("servqual-survey", staff.id)}
    assert len({link.token for link in links}) == 3


def test_rotating_closes_the_old_link_and_opens_a_new_one(app, manager, users):
    old = enable(users["manager"], "E1")
    response = manager.post(f"/surveys/links/{old.id}/rotate")
    assert response.status_code == 302
    db.session.expire_all()
    [new] = _active()
    old = db.session.get(SurveyLink, old.id)
    assert not old.active and old.closed_at is not None
    assert new.token != old.token and (new.checklist_id, new.staff_id) == (old.checklist_id, old.staff_id)
    ended = app.test_client().get(f"/s/{old.token}")
    assert ended.status_code == 410 and "本调查已结束" in ended.get_data(as_text=True)
    assert app.test_client().get(f"/s/{new.token}").status_code == 200
    # A rotated link is closed: rotating or closing it again is refused, and nothing else changes.
    refused = manager.post(f"/surveys/links/{old.id}/rotate", follow_redirects=True)
    assert "flash-error" in refused.get_data(as_text=True) and len(_active()) == 1


def test_closing_a_link_ends_the_survey_in_the_customers_language(app, manager, users):
    link = enable(users["manager"], "E1")
    assert manager.post(f"/surveys/links/{link.id}/close").status_code == 302
    assert _active() == []
    customer = app.test_client()
    chinese = customer.get(f"/s/{link.token}")
    english = customer.get(f"/s/{link.token}?lang=en")
    assert chinese.status_code == english.status_code == 410
    assert "本调查已结束" in chinese.get_data(as_text=True)
    assert "This survey has ended" in english.get_data(as_text=True)
    refused = customer.post(f"/s/{link.token}", data=quick_form(app, link))
    assert refused.status_code == 410 and db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0


def test_links_stay_within_the_managers_scope(app, users, surveys):
    east = enable(users["manager"], "E1")
    west_manager = factories.make_user("manager", regions=("West",))
    db.session.commit()
    west = app.test_client()
    factories.login(west, west_manager)
    assert west.post("/surveys/links", data={"checklist": "quick-check", "branch": "E1"}).status_code == 404
    assert west.post(f"/surveys/links/{east.id}/rotate").status_code == 404
    assert west.post(f"/surveys/links/{east.id}/close").status_code == 404
    page = west.get("/surveys").get_data(as_text=True)
    assert "branch-W1" in page and "branch-E1" not in page and east.token not in page
    inspector = app.test_client()
    factories.login(inspector, users["inspector"])
    assert inspector.get("/surveys").status_code == 403
    assert inspector.post("/surveys/links", data={"checklist": "quick-check", "branch": "E1"}).status_code == 403
    assert link_of(east.token).active


@pytest.mark.parametrize(("form", "expected"), [
    ({"checklist": "small", "branch": "E1"}, "没有调查检查表"),  # an inspection checklist is no survey
    ({"checklist": "quick-check", "branch": "E1", "staff": "W1-S1"}, "没有在岗员工"),  # not of this branch
])
def test_enabling_something_that_is_no_survey_target_is_refused(manager, form, expected):
    page = manager.post("/surveys/links", data=form, follow_redirects=True).get_data(as_text=True)
    assert "flash-error" in page and expected in page and _active() == []


def test_a_survey_customers_cannot_finish_is_not_offered_to_them(app, manager, users):
    folder = Path(app.config["CHECKLIST_DIR"])
    (folder / "photo-survey.yaml").write_text(PHOTO_SURVEY, encoding="utf-8")
    refresh_catalog()
    page = manager.post("/surveys/links", data={"checklist": "photo-survey", "branch": "E1"}, follow_redirects=True)
    assert "顾客无法回答此调查的题目“receipt”" in page.get_data(as_text=True) and _active() == []
    # A link made before the checklist asked for it tells customers the survey has ended.
    link = enable(users["manager"], "E1")
    (folder / "quick-check.yaml").write_text(PHOTO_SURVEY.replace("photo-survey", "quick-check"), encoding="utf-8")
    assert app.test_client().get(f"/s/{link.token}").status_code == 410


def test_the_links_page_shows_twenty_branches_a_page(app, users, surveys):
    db.session.add_all(Branch(code=f"N{number:02d}", name=f"North {number}", region="North", address="")
                       for number in range(25))
    db.session.commit()
    admin = app.test_client()
    factories.login(admin, users["admin"])
    first = admin.get("/surveys?region=North").get_data(as_text=True)
    assert first.count('id="branch-N') == 20 and "branch-E1" not in first and "第 1 / 2 页" in first
    last = admin.get("/surveys?region=North&page=9").get_data(as_text=True)  # past the end: the last page
    assert last.count('id="branch-N') == 5 and "第 2 / 2 页" in last


# -- the public page -------------------------------------------------------------------------------

def test_the_public_page_needs_no_sign_in_is_never_cached_and_sets_no_cookie(app, users, surveys):
    link = enable(users["manager"], "E1", "servqual-survey")
    page = app.test_client().get(f"/s/{link.token}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in page.headers  # no session: nothing to tie two visits together
    assert '<html lang="zh-Hans-CN">' in body and "提交" in body and "Branch E1" in body
    assert body.count('type="radio"') == 22 * 2 * 7 + 10 + 2  # SERVQUAL 1-7 twice, a 1-10 rating, yes/no
    assert "css/survey.css" in body and "app.css" not in body and "<script" not in body
    assert f'action="/s/{link.token}?lang=zh_CN"' in body and 'href="/s/' + link.token + '?lang=en"' in body
    english = app.test_client().get(f"/s/{link.token}?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "Send" in english and "Expected of an excellent branch" in english
    assert 'action="/s/' + link.token + '?lang=en"' in english  # the answer comes back in the same language


def test_an_unknown_address_is_a_404_in_the_pages_language(client, surveys):
    chinese = client.get("/s/no-such-token")
    assert chinese.status_code == 404 and "找不到此调查" in chinese.get_data(as_text=True)
    english = client.get("/s/" + "x" * 300 + "?lang=en")
    assert english.status_code == 404 and "Survey not found" in english.get_data(as_text=True)


def test_a_customer_answers_the_servqual_survey(app, users, surveys):
    link = enable(users["manager"], "E1", "servqual-survey")
    customer = app.test_client()
    answered = customer.post(f"/s/{link.token}", data=servqual_form(app, link, expectation=6, perception=4))
    assert answered.status_code == 200 and "感谢" in answered.get_data(as_text=True)
    assert answered.headers["Cache-Control"] == "no-store"
    [response] = db.session.scalars(select(SurveyResponse)).all()
    checklist = get_catalog().checklists["servqual-survey"]
    assert (response.link_id, response.branch_id, response.staff_id) == (link.id, link.branch_id, None)
    assert response.checklist_id == "servqual-survey" and response.checklist_version == checklist.version
    assert db.session.get(ChecklistVersion, checklist.version) is not None  # frozen
    assert response.answers["t1"] == {"expectation": 6, "perception": 4} and response.answers["recommend"] is True
    assert response.servqual_gap == pytest.approx(-2) and response.score == pytest.approx(100 * 7 / 9)
    assert response.result["dimensions"]["tangibles"]["expectation"] == 6
    assert (response.comment, response.consent, response.contact) == ("", False, None)
    # The device is remembered for this link until the branches' midnight.
    cookie = customer.get_cookie("survey_done", path=f"/s/{link.token}")
    assert cookie is not None and cookie.http_only
    again = customer.get(f"/s/{link.token}")
    assert again.status_code == 200 and "今天已经" in again.get_data(as_text=True) and 'name="stamp"' not in \
        again.get_data(as_text=True)


def test_a_badge_response_is_about_its_staff_member_and_keeps_contact_only_with_consent(app, users, surveys):
    badge = enable(users["manager"], "E1", staff="E1-S2")
    client = app.test_client()
    page = client.get(f"/s/{badge.token}").get_data(as_text=True)
    assert "Staff E1-2" in page
    client.post(f"/s/{badge.token}", data=quick_form(app, badge, comment="很好", contact="13800000000"))
    other = enable(users["manager"], "E2")
    app.test_client().post(f"/s/{other.token}", data=quick_form(app, other, consent="yes", contact=" a@b.cn "))
    first, second = db.session.scalars(select(SurveyResponse).order_by(SurveyResponse.id)).all()
    assert first.staff_id == badge.staff_id and (first.comment, first.consent, first.contact) == ("很好", False, None)
    assert second.staff_id is None and (second.consent, second.contact) == (True, "a@b.cn")


def test_answers_that_need_attention_come_back_marked_and_nothing_is_kept(app, users, surveys):
    link = enable(users["manager"], "E1", "servqual-survey")
    form = servqual_form(app, link)
    del form["a.t2.p"], form["a.overall-satisfaction"]
    form["comment"] = "排队太久"
    page = app.test_client().post(f"/s/{link.token}", data=form)
    body = page.get_data(as_text=True)
    assert page.status_code == 422 and 'data-outcome="invalid"' in body
    assert 'id="q-t2" aria-describedby="e-t2"' in body and 'id="e-t2"' in body and "请对两项都打分" in body
    assert 'aria-describedby="e-overall-satisfaction"' in body and "请回答此题" in body
    assert 'name="a.t1.e" value="6" checked' in body and "排队太久</textarea>" in body  # nothing typed is lost
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0
    assert db.session.scalar(select(func.count()).select_from(SurveyRejection)) == 0  # a mistake is no abuse


def test_forged_values_are_refused_not_stored(app, users, surveys):
    link = enable(users["manager"], "E1")
    client = app.test_client()
    for forged in ({"a.satisfied": "9"}, {"a.wait": "forever"}, {"a.solved": "maybe"}, {"contact": "x" * 201},
                   {"comment": "y" * 4001}, {"a.said": "z" * 4001}):
        assert client.post(f"/s/{link.token}", data=quick_form(app, link, **forged)).status_code == 422, forged
    assert db.session.scalar(select(func.count()).select_from(SurveyResponse)) == 0


# -- anonymity -------------------------------------------------------------------------------------

ADDRESS, AGENT = "203.0.113.77", "MarkerPhone/9.9 (customer-device)"


def _every_stored_value() -> str:
    """Return every row of every table as text."""
    rows = []
    for table in db.metadata.sorted_tables:
        rows += [repr(tuple(row)) for row in db.session.execute(text(f'SELECT * FROM "{table.name}"'))]
    return "\n".join(rows)


def test_a_response_keeps_no_address_no_account_and_no_device(app, users, surveys, caplog):
    link = enable(users["manager"], "E1")
    signed_in = app.test_client()  # a staff member's phone, signed in, answers too: still no account is kept
    factories.login(signed_in, users["shopper"])
    caplog.set_level(logging.DEBUG)
    headers = {"User-Agent": AGENT}
    for client, comment in ((app.test_client(), "很差"), (signed_in, "一般")):
        sent = client.post(f"/s/{link.token}", data=quick_form(app, link, satisfied=1, comment=comment),
                           headers=headers, environ_base={"REMOTE_ADDR": ADDRESS})
        assert sent.status_code == 200
    refused = app.test_client().post(f"/s/{link.token}", data=quick_form(app, link, website="spam"),
                                     headers=headers, environ_base={"REMOTE_ADDR": ADDRESS})
    assert refused.status_code == 400
    stored = _every_stored_value()
    assert ADDRESS not in stored and "MarkerPhone" not in stored
    assert "survey" not in " ".join(db.session.scalars(text("SELECT action FROM audit_events")))
    responses = db.session.scalars(select(SurveyResponse)).all()
    assert len(responses) == 2 and {column.name for column in SurveyResponse.__table__.columns}.isdisjoint(
        {"user_id", "submitter_id", "ip", "address", "user_agent"})
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert ADDRESS not in logged and "MarkerPhone" not in logged


def test_a_signed_in_users_language_wins_over_the_address(app, users, surveys):
    link = enable(users["manager"], "E1")
    client = app.test_client()
    factories.login(client, users["manager"])
    client.post("/language", data={"locale": "zh_CN"})
    assert '<html lang="zh-Hans-CN">' in client.get(f"/s/{link.token}?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in app.test_client().get(f"/s/{link.token}?lang=en").get_data(as_text=True)


def test_behind_one_proxy_each_customer_has_an_address_of_their_own(database, tmp_path):
    """With INSPECTION_PROXY_HOPS=1 the limits key on the forwarded client, not on the proxy."""
    app = create_app(_test_config({**database, "PROXY_HOPS": 1}, tmp_path / "media"))
    seen = []
    app.add_url_rule("/_seen", "seen", lambda: seen.append(flask.request.remote_addr) or "ok")
    try:
        app.test_client().get("/_seen", headers={"X-Forwarded-For": "203.0.113.7"},
                              environ_base={"REMOTE_ADDR": "10.0.0.1"})
    finally:
        with app.app_context():
            db.engine.dispose()
    assert seen == ["203.0.113.7"]
