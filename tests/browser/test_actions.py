"""A corrective action in Chromium, at tablet and phone size: release asks first, the failed item's evidence,
a refused close that keeps its note, verification by a second manager behind a confirmation, the staff page's
visits and readable charts, and a scorecard preview that leads back into the app."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone

from playwright.sync_api import expect
from sqlalchemy import select

from inspection.auth.models import User
from inspection.auth.services import add_user
from inspection.catalog.services import get_catalog
from inspection.db import write_transaction
from inspection.extensions import db, media_store
from inspection.photos.processing import process
from inspection.photos.storage import write_with_files
from inspection.visits.services import Submission, submit_visit

from .. import factories
from .conftest import PASSWORD, login, screenshot, sign_in_form
from .test_field_app import photo_file

NOTE = "柜台屏幕正对等候区，客户身份证号码可见"


def _store_privacy_failure(app) -> str:
    """Store an inspection of SH01 whose customer-privacy item failed, with a note and a photo; return its id."""
    with app.app_context():
        inspector = db.session.scalar(select(User).where(User.email == "inspector@example.com"))
        checklist = get_catalog().checklists["branch-inspection"]
        answers = {item.id: True for _, item in checklist.items() if item.type == "yes_no" and item.points}
        answers.update({"duty-staff": "S001", "reception-staff": "S002", "room-temperature": 22, "posture": 5,
                        "greeting-time": 3.0, "queue-wait": 120, "slip-errors": 0, "had-complaint": False,
                        "privacy": False})
        answers = {key: value for key, value in answers.items() if checklist.item(key) is not None}
        finished = datetime.now(timezone.utc) - timedelta(days=1)
        photos = [("overview-photo", process(factories.jpeg_bytes(800, 600), 10**7, 10**8)),
                  ("privacy", process(factories.jpeg_bytes(800, 600, colour=(40, 90, 200)), 10**7, 10**8))]
        submission = Submission(uuid=uuid.uuid4(), checklist_id=checklist.id, branch_code="SH01",
                                started_at=finished - timedelta(minutes=30), finished_at=finished,
                                answers=answers, notes={"privacy": NOTE}, photos=photos)
        with write_with_files(media_store()) as files:
            visit, _ = submit_visit(inspector, checklist, submission, files)
        visit_id = str(visit.uuid)
        if db.session.scalar(select(User).where(User.email == "manager2@example.com")) is None:
            with write_transaction():
                add_user("manager2@example.com", "王经理", "manager", PASSWORD, regions=("华东区",))
        db.session.remove()
    return visit_id


def _sign_out_and_in(page, live_server, email: str) -> None:
    page.locator("#logout-form button").click()
    page.wait_for_url(re.compile(r".*/login.*"))
    sign_in_form(page, email)
    page.wait_for_url(live_server["url"] + "/")


def _chart_text_sizes(page) -> list[float]:
    """Return the size at which each chart text is drawn on the page, in CSS pixels."""
    return page.evaluate("""() => [...document.querySelectorAll('svg[role=img] text')].map((text) => {
        const svg = text.ownerSVGElement, scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        return parseFloat(text.getAttribute('font-size')) * scale;
    })""")


def _texts_outside_their_chart(page) -> list[str]:
    return page.evaluate("""() => [...document.querySelectorAll('svg[role=img] text')].filter((text) => {
        const box = text.getBoundingClientRect(), svg = text.ownerSVGElement.getBoundingClientRect();
        return box.left < svg.left - 1 || box.right > svg.right + 1 || box.bottom > svg.bottom + 1;
    }).map((text) => text.textContent)""")


def test_an_action_from_release_to_verification_with_confirmations(page, live_server, tmp_path):
    base, app = live_server["url"], live_server["app"]
    visit_id = _store_privacy_failure(app)
    questions: list[str] = []
    answer = {"accept": False}

    def on_dialog(dialog):
        questions.append(dialog.message)
        dialog.accept() if answer["accept"] else dialog.dismiss()

    page.on("dialog", on_dialog)
    login(page, live_server, "manager@example.com")

    # Releasing asks first; dismissed, nothing is sent.
    page.goto(f"{base}/visits/{visit_id}")
    page.locator("button[value=release]").click()
    assert questions and questions[-1].startswith("确认发布此检查记录？")
    expect(page.locator(".review-panel .status")).to_have_text("已提交")
    answer["accept"] = True
    page.locator("button[value=release]").click()
    expect(page.locator(".flash-info")).to_contain_text("检查记录已发布")
    expect(page.locator(".review-panel .status")).to_have_text("已发布")

    # The action opened for the failed privacy item shows that item's answer, note and photo.
    page.locator("#item-privacy a.chip").click()
    page.wait_for_url(re.compile(r".*/actions/\d+$"))
    action_url = page.url
    evidence = page.locator("#failed-item")
    expect(evidence).to_contain_text("客户资料保密")
    expect(evidence).to_contain_text("不达标")
    expect(evidence).to_contain_text(NOTE)
    thumb = evidence.locator("a[href^='/photos/'] img[src$='-thumb.jpg']")
    expect(thumb).to_have_count(1)
    assert page.evaluate("(img) => img.complete && img.naturalWidth > 0", thumb.element_handle())
    screenshot(page, "action-open")

    # Closing without a photo is refused, and the typed note stays.
    page.locator("textarea[name=note]").fill("已调整屏幕朝向并加装防窥膜")
    page.locator("button[value=close]").click()
    expect(page.locator(".flash-error")).to_be_visible()
    expect(page.locator("textarea[name=note]")).to_have_value("已调整屏幕朝向并加装防窥膜")
    expect(page.locator("label", has=page.locator("input[name=photo]"))).to_contain_text("请上传整改后的照片")
    screenshot(page, "action-refused")
    page.locator("input[name=photo]").set_input_files(photo_file(tmp_path, "fixed.jpg"))
    page.locator("button[value=close]").click()
    expect(page.locator(".flash-info")).to_contain_text("已标记为整改完成")
    # The one who closed it is not offered "verify".
    expect(page.locator("button[value=verify]")).to_have_count(0)
    expect(page.locator("button[value=reopen]")).to_have_count(1)
    expect(page.locator(".action-form")).to_contain_text("需由其他人验收")
    screenshot(page, "action-closed")

    # A second manager verifies: asked first; dismissed, the action stays done.
    _sign_out_and_in(page, live_server, "manager2@example.com")
    page.goto(action_url)
    answer["accept"] = False
    asked = len(questions)
    page.locator("button[value=verify]").click()
    assert len(questions) == asked + 1 and questions[-1].startswith("确认验收此整改措施？")
    expect(page.locator(".status")).to_have_text("已完成")
    answer["accept"] = True
    page.locator("button[value=verify]").click()
    expect(page.locator(".flash-info")).to_contain_text("整改措施已验收")
    expect(page.locator("h1 + p .status")).to_have_text("已验收")
    screenshot(page, "action-verified")

    # The staff page lists the visits of the period, each linked; its charts are readable on this screen.
    page.goto(f"{base}/performance/staff/S002")
    visits = page.locator("table.staff-visits tbody tr")
    expect(visits.first).to_contain_text("上海人民广场营业厅")
    expect(page.locator(f"table.staff-visits a[href='/visits/{visit_id}']")).to_have_count(1)
    sizes = _chart_text_sizes(page)
    assert sizes and min(sizes) >= 12, sizes
    assert _texts_outside_their_chart(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    screenshot(page, "staff-page")

    # The branch filter picks among the user's branches; a typed code that is none of them is said, translated.
    page.goto(f"{base}/performance/?branch=bj01")
    expect(page.locator(".flash-error")).to_contain_text("您的权限范围内没有营业厅“bj01”")
    options = page.locator("select[name=branch] option")
    assert options.all_inner_texts()[1:] == ["SH01 上海人民广场营业厅"]
    page.select_option("select[name=branch]", "SH01")
    page.locator("form.scope-filters button").click()
    expect(page.locator("select[name=branch]")).to_have_value("SH01")
    expect(page.locator(".flash-error")).to_have_count(0)
    screenshot(page, "performance-filters")
    page.goto(f"{base}/actions")
    expect(page.locator("select[name=branch]")).to_be_visible()
    screenshot(page, "actions-list")

    # A scorecard preview leads back to the visit; the back bar is screen only.
    page.goto(f"{base}/visits/{visit_id}/scorecard")
    back = page.locator("nav.backbar a.back")
    expect(back).to_be_visible()
    sizes = _chart_text_sizes(page)
    assert sizes and min(sizes) >= 12, sizes
    screenshot(page, "scorecard-preview")
    page.emulate_media(media="print")
    expect(page.locator("nav.backbar")).to_be_hidden()
    page.emulate_media(media="screen")
    back.click()
    page.wait_for_url(f"{base}/visits/{visit_id}")
