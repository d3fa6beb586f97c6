"""The corrective action page, review steps and (de)activations: what is offered, asked first, kept and said."""

from __future__ import annotations

import io
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from inspection import access
from inspection.actions.services import create_action
from inspection.auth.models import User
from inspection.extensions import db, media_store
from inspection.org.models import Branch, Staff
from inspection.photos.processing import process
from inspection.photos.storage import thumbnail_name, write_with_files
from inspection.plans.models import Assignment
from inspection.review.services import review
from inspection.visits.services import submit_visit

from . import factories


def _flashes(page: str) -> list[str]:
    return re.findall(r'<p class="flash flash-(?:info|error)" role="alert">([^<]*)</p>', page)


@pytest.fixture
def released(app, org, users):
    """A released inspection of E1 whose cleanliness failed with a note and a photo; its action on that item."""
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    sub = factories.submission(answers={"clerk": "E1-S1", "clean": False, "greet": 3},
                               notes={"clean": "地面有积水，垃圾桶已满"},
                               photos=[("clean", process(factories.jpeg_bytes(640, 480), 10**7, 10**8))])
    with write_with_files(media_store()) as files:
        visit, _ = submit_visit(users["inspector"], factories.small_checklist(), sub, files)
        review(users["manager"], visit, "release")
    action = create_action(users["manager"], visit, "clean")
    db.session.commit()
    return visit, action


def _close(client, action, note="已清理地面并更换垃圾桶"):
    photo = (io.BytesIO(factories.jpeg_bytes(300, 200)), "fixed.jpg")
    return client.post(f"/actions/{action.id}", data={"step": "close", "note": note, "photo": photo},
                       content_type="multipart/form-data")


@pytest.mark.parametrize("closer", ["manager", "admin"])
def test_the_closer_is_never_offered_verify_nor_allowed_it(client, released, users, closer):
    _, action = released
    factories.login(client, users[closer])
    assert _close(client, action).status_code == 302
    assert action.status == "done" and action.closed_by_id == users[closer].id
    # The buttons come from the rule that decides: the closer, an admin too, is never a second pair of eyes.
    assert access.steps(users[closer], "action", action) == ["reopen"]
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert 'value="verify"' not in page and 'value="reopen"' in page
    assert "此整改措施由您完成，需由其他人验收。" in page
    assert client.post(f"/actions/{action.id}", data={"step": "verify"}).status_code == 403
    assert action.status == "done"
    client.post("/logout")
    other = users["admin"] if closer == "manager" else users["manager"]
    factories.login(client, other)
    assert access.steps(other, "action", action) == ["verify", "reopen"]
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert re.search(r'<button name="step" value="verify"[^>]* data-confirm="确认验收此整改措施？', page)
    answer = client.post(f"/actions/{action.id}", data={"step": "verify"}, follow_redirects=True)
    assert "整改措施已验收。" in _flashes(answer.get_data(as_text=True))
    assert action.status == "verified" and action.verified_by_id == other.id


def test_a_refused_close_keeps_what_was_typed(client, released, users):
    _, action = released
    factories.login(client, users["manager"])
    note, comment = "已清理地面 <并更换垃圾桶>", "下周复查"
    answer = client.post(f"/actions/{action.id}", data={"step": "close", "note": note, "comment": comment})
    page = answer.get_data(as_text=True)
    assert answer.status_code == 422  # the page again, not a redirect that would empty the form
    assert '<textarea name="note"' in page and "已清理地面 &lt;并更换垃圾桶&gt;</textarea>" in page
    assert "下周复查</textarea>" in page
    assert "请上传整改后的照片。" in page.split('name="photo"')[1].split("</label>")[0]  # beside the photo
    assert 'aria-invalid="true"' in page and any(text for text in _flashes(page))
    db.session.expire_all()
    assert action.status == "open" and action.closing_note == "" and action.comments == []  # nothing written
    # Sent again with the photo, it closes; the page says so.
    answer = _close(client, action, note)
    assert answer.status_code == 302
    assert "已标记为整改完成，将由其他人验收。" in _flashes(client.get(answer.location).get_data(as_text=True))


def test_a_refused_step_after_a_race_keeps_the_note_too(client, released, users):
    _, action = released
    factories.login(client, users["manager"])
    action.status = "done"  # someone closed it meanwhile
    db.session.commit()
    answer = client.post(f"/actions/{action.id}", data={"step": "start", "comment": "我来跟进"})
    assert answer.status_code == 409 and "我来跟进</textarea>" in answer.get_data(as_text=True)


def test_the_failed_items_answer_note_and_photo_are_shown(client, released, users):
    visit, action = released
    photo = visit.photos[0]
    factories.login(client, users["manager"])
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    evidence = page.split('id="failed-item"')[1].split("</section>")[0]
    assert "整洁" in evidence and "不达标" in evidence and "0/5" in evidence
    assert "地面有积水，垃圾桶已满" in evidence
    thumb = f"/photos/{thumbnail_name(photo.stored_name)}"
    assert f'<a href="/photos/{photo.stored_name}"' in evidence and f'<img src="{thumb}"' in evidence
    response = client.get(thumb)
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    response.close()
    client.post("/logout")
    # An inspector of the branch reads the action and, being allowed to open the visit, its evidence.
    factories.login(client, users["inspector"])
    assert "地面有积水" in client.get(f"/actions/{action.id}").get_data(as_text=True)


def test_the_evidence_is_kept_from_those_who_may_not_open_the_visit(app, client, org, users):
    """A mystery shop's failed item: the branch's inspector reads the action, not the shopper's answer."""
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    sub = factories.submission(answers={"clerk": "E1-S1", "clean": False, "greet": 3}, notes={"clean": "暗访备注"})
    visit, _ = submit_visit(users["shopper"], factories.small_checklist("mystery_shop"), sub)
    review(users["manager"], visit, "release")
    action = create_action(users["manager"], visit, "clean")
    db.session.commit()
    factories.login(client, users["inspector"])
    page = client.get(f"/actions/{action.id}").get_data(as_text=True)
    assert "暗访备注" not in page and "仅向可查看该检查记录的人员显示" in page


def test_review_steps_ask_first_and_say_what_they_did(app, client, org, users):
    app.config["CHECKLIST_DIR"] = str(factories.FIXTURES)
    visits = []
    for _ in range(2):
        sub = factories.submission(answers={"clerk": "E1-S1", "clean": True, "greet": 3})
        visits.append(submit_visit(users["inspector"], factories.small_checklist(), sub)[0])
    db.session.commit()
    factories.login(client, users["manager"])
    page = client.get(f"/visits/{visits[0].uuid}").get_data(as_text=True)
    questions = dict(re.findall(r'<button name="action" value="(\w+)"[^>]*data-confirm="([^"]*)"', page))
    if "release" not in questions:  # offered once the review has started
        client.post(f"/visits/{visits[1].uuid}/review", data={"action": "start"})
        questions = dict(re.findall(r'<button name="action" value="(\w+)"[^>]*data-confirm="([^"]*)"',
                                    client.get(f"/visits/{visits[1].uuid}").get_data(as_text=True)))
    assert questions["release"].startswith("确认发布此检查记录？")
    assert questions["return"].startswith("确认将此检查记录退回")
    steps = [("start", visits[0], "已开始审核"), ("release", visits[0], "检查记录已发布"),
             ("return", visits[1], "检查记录已退回提交人修改。")]
    for step, visit, said in steps:
        answer = client.post(f"/visits/{visit.uuid}/review", data={"action": step, "comment": "请补充"},
                             follow_redirects=True)
        assert any(said in text for text in _flashes(answer.get_data(as_text=True))), step
    # A refused step says why, and nothing about success.
    answer = client.post(f"/visits/{visits[0].uuid}/review", data={"action": "return", "comment": "x"},
                         follow_redirects=True)
    flashes = _flashes(answer.get_data(as_text=True))
    assert flashes and not any("已退回" in text for text in flashes)


@pytest.mark.parametrize("kind", ["branches", "staff"])
def test_deactivating_a_branch_or_staff_member_asks_first_and_says_so(client, org, users, kind):
    record = org.branches["E2"] if kind == "branches" else db.session.scalar(select(Staff).where(Staff.code == "E2-S1"))
    db.session.commit()
    factories.login(client, users["admin"])
    page = client.get(f"/admin/{kind}").get_data(as_text=True)
    assert re.search(r'<button class="link danger" data-confirm="确认停用(营业厅|员工) E2', page)
    answer = client.post(f"/admin/{kind}/{record.id}/active", data={"active": "0"}, follow_redirects=True)
    assert any("已停用" in text for text in _flashes(answer.get_data(as_text=True)))
    model = Branch if kind == "branches" else Staff
    assert db.session.get(model, record.id).active is False
    answer = client.post(f"/admin/{kind}/{record.id}/active", data={"active": "1"}, follow_redirects=True)
    assert any("已重新启用" in text for text in _flashes(answer.get_data(as_text=True)))


def test_disabling_a_user_from_the_list_asks_first_and_says_so(client, org, users):
    target = users["inspector"]
    factories.login(client, users["admin"])
    page = client.get("/admin/users").get_data(as_text=True)
    assert f'data-confirm="确认停用 {target.email}？' in page
    assert page.count('data-confirm="确认停用') == len(users) - 1  # never offered on one's own account
    answer = client.post(f"/admin/users/{target.id}/active", data={"active": "0"}, follow_redirects=True)
    assert any(f"{target.email} 已停用" in text for text in _flashes(answer.get_data(as_text=True)))
    db.session.expire_all()
    assert db.session.get(User, target.id).active is False
    assert [r.code for r in db.session.get(User, target.id).branches] == [] and target.regions == ["East"]
    answer = client.post(f"/admin/users/{target.id}/active", data={"active": "1"}, follow_redirects=True)
    assert any("已重新启用" in text for text in _flashes(answer.get_data(as_text=True)))
    assert db.session.get(User, target.id).active is True
    # Disabling oneself is refused (the policy's lock-out rule), not done.
    assert client.post(f"/admin/users/{users['admin'].id}/active", data={"active": "0"}).status_code == 403


def test_cancelling_an_assignment_asks_first_and_says_so(app, client, org, users):
    start = datetime.now(timezone.utc) + timedelta(days=2)
    assignment = Assignment(branch_id=org.branches["E1"].id, checklist_id="small", kind="inspection",
                            assignee=users["inspector"], window_start=start, window_end=start + timedelta(days=3),
                            created_by_id=users["manager"].id)
    db.session.add(assignment)
    db.session.commit()
    factories.login(client, users["manager"])
    page = client.get(f"/assignments/{assignment.id}").get_data(as_text=True)
    assert 'data-confirm="确认取消此任务？' in page
    answer = client.post(f"/assignments/{assignment.id}/cancel", follow_redirects=True)
    assert "任务已取消，已通知执行人。" in _flashes(answer.get_data(as_text=True))


def test_unused_uuid_is_still_a_404(client, users):
    factories.login(client, users["manager"])
    assert client.get(f"/visits/{uuid.uuid4()}").status_code == 404
