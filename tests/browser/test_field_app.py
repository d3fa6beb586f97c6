"""The field app in Chromium at tablet and phone size: fill, time, photograph, submit, draft, scope."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect
from sqlalchemy import select

from inspection.auth.models import User
from inspection.catalog.services import get_catalog
from inspection.extensions import db, media_store
from inspection.photos.storage import write_with_files
from inspection.visits.services import Submission, submit_visit

from .. import factories
from .conftest import login, screenshot

FORM = "/checklists/branch-inspection/new?branch=SH01"


def photo_file(tmp_path, name: str = "lobby.jpg") -> str:
    path = tmp_path / name
    path.write_bytes(factories.jpeg_bytes(2400, 1800, colour=(90, 140, 200)))
    return str(path)


def answer_everything(page) -> None:
    """Answer every shown item as a careful inspector would, by tapping the widgets in order."""
    shown = page.locator(".item:visible")
    index = 0
    while index < shown.count():  # answers can reveal later items (show_if), so count again each time
        box = shown.nth(index)
        index += 1
        kind, item_id = box.get_attribute("data-type"), box.get_attribute("data-item")
        if kind in ("yes_no", "choice"):
            box.locator(".chip-choice span").first.click()
        elif kind == "rating":
            box.locator(".chip-choice span").last.click()
        elif kind == "number":
            box.locator("input").fill("22")
        elif kind == "timer" and item_id != "greeting-time":
            box.locator("input[type=number]").fill("120")
        elif kind == "deduction":
            box.locator("[data-step='1']").click()
            box.locator("[data-step='-1']").click()
            assert box.locator("input").input_value() == "0"
        elif kind == "staff":
            box.locator("select").select_option("S001")
        elif kind == "text":
            box.locator("textarea").first.fill("整体良好")


def test_inspector_fills_times_photographs_and_submits(page, live_server, tmp_path):
    login(page, live_server, "inspector@example.com")
    page.goto(live_server["url"] + FORM)
    answer_everything(page)
    # The stopwatch: start as the customer walks in, stop at the greeting.
    greeting = page.locator("#item-greeting-time")
    greeting.locator(".stopwatch-toggle").click()
    page.wait_for_timeout(1300)
    greeting.locator(".stopwatch-toggle").click()
    seconds = float(greeting.locator("input").input_value())
    assert 1.0 <= seconds <= 5.0
    page.locator("#item-writing-desk .na-toggle").click()
    page.locator("#item-floor-clean .note-toggle").click()
    page.locator("textarea[name='note.floor-clean']").fill("等候区地面有少量纸屑，已提醒保洁")
    page.locator("#item-overview-photo input[type=file]").set_input_files(photo_file(tmp_path))
    page.locator("#item-overview-photo .photo-thumb img").wait_for()
    assert page.locator("#live-score").inner_text() == "100.0"
    screenshot(page, "form-filled")
    page.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/visits/[0-9a-f-]{36}$"), timeout=10000)
    assert page.locator(".big-score > span").first.inner_text() == "100.0"
    body = page.locator("main").inner_text()
    assert "等候区地面有少量纸屑" in body and "不适用" in body and "通过" in body
    assert page.locator(".answer-row img").count() == 1
    screenshot(page, "visit")


def test_a_reload_mid_form_keeps_answers_notes_and_photos(page, live_server, tmp_path):
    login(page, live_server, "inspector@example.com")
    page.goto(live_server["url"] + FORM)
    page.locator("#item-signage .chip-choice span").nth(1).click()
    page.locator("#item-signage .note-toggle").click()
    page.locator("textarea[name='note.signage']").fill("招牌灯不亮")
    page.locator("#item-signage input[type=file]").set_input_files(photo_file(tmp_path, "sign.jpg"))
    page.locator("#item-signage .photo-thumb img").wait_for()
    page.locator("#item-room-temperature input").fill("28")
    page.reload()
    # The form restores itself after load (photos come from IndexedDB): wait, do not poll once.
    expect(page.locator("#draft-status")).to_be_visible()
    expect(page.locator("#item-signage input[value=false]")).to_be_checked()
    expect(page.locator("textarea[name='note.signage']")).to_have_value("招牌灯不亮")
    expect(page.locator("#item-room-temperature input")).to_have_value("28")
    expect(page.locator("#item-signage .photo-thumb img")).to_have_count(1)
    expect(page.locator("#live-score")).to_have_text("0.0")
    expect(page.locator("#live-progress")).to_have_text(re.compile(r"^已答 2 / \d+ 项$"))
    screenshot(page, "draft-restored")


def test_server_errors_appear_next_to_their_items(page, live_server):
    login(page, live_server, "inspector@example.com")
    page.goto(live_server["url"] + FORM)
    page.locator("#item-signage .chip-choice span").first.click()
    page.locator("button[type=submit]").click()
    error = page.locator("#item-floor-clean .item-error")
    error.wait_for()
    assert error.inner_text() == "此项必须作答。"
    assert page.locator("#item-signage input[value=true]").is_checked()
    screenshot(page, "form-errors")


def test_a_shopper_cannot_open_another_shoppers_visit(page, live_server):
    app = live_server["app"]
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.email == "shopper@example.com"))
        checklist = get_catalog().checklists["servqual-survey"]
        answers = {item.id: {"expectation": 6, "perception": 5} for _, item in checklist.items()
                   if item.type == "servqual"}
        answers["overall-satisfaction"] = 8
        finished = datetime.now(timezone.utc)
        submission = Submission(uuid=uuid.uuid4(), checklist_id=checklist.id, branch_code="SH01",
                                started_at=finished - timedelta(minutes=5), finished_at=finished, answers=answers)
        with write_with_files(media_store()) as files:
            visit, _ = submit_visit(owner, checklist, submission, files)
        visit_uuid = str(visit.uuid)
        db.session.remove()
    login(page, live_server, "shopper2@example.com")
    response = page.goto(f"{live_server['url']}/visits/{visit_uuid}")
    assert response.status == 404
    page.goto(live_server["url"] + "/visits")
    assert visit_uuid not in page.content()
    login(page, live_server, "shopper@example.com")
    assert page.goto(f"{live_server['url']}/visits/{visit_uuid}").status == 200
