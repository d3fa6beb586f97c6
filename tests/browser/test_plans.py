"""A month planned for a region, done by a shopper, found in the inbox, returned, and corrected after a notice."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from playwright.sync_api import expect
from sqlalchemy import delete, select

from inspection.db import write_transaction
from inspection.extensions import db
from inspection.plans.models import Assignment
from inspection.visits.models import Visit

from .conftest import SIZES, login, screenshot
from .test_field_app import answer_everything, photo_file


def _no_assignments(app) -> None:
    """Start from no plan and no shopper's visit: the test runs once per screen size on the same server."""
    # A shop done in the first run would keep its shopper from the branch for 60 days in the second.
    with app.app_context():
        with write_transaction():
            db.session.execute(delete(Assignment))
            # Through the ORM, so that answers, photos and the trail go too (SQLite reuses the ids).
            for visit in db.session.scalars(select(Visit).where(Visit.kind.in_(["mystery_shop", "survey"]))):
                db.session.delete(visit)
        db.session.remove()


def _second_device(page):
    """Open another person's device, the same size as this one."""
    context = page.context.browser.new_context(viewport=SIZES[page.size_name], locale="zh-CN",
                                               timezone_id="Asia/Shanghai", has_touch=True)
    other = context.new_page()
    other.size_name = page.size_name
    return other


def _sent(device) -> None:
    """Wait until the visit just submitted is on the server: its page, or the outbox showing it sent."""
    # The page goes to the outbox when another sender (the worker's Background Sync) holds the visit.
    device.wait_for_url(re.compile(r".*/(visits/[0-9a-f-]{36}|outbox)$"), timeout=15000)
    if device.url.endswith("/outbox"):
        sent = device.locator("#outbox-list .outbox-item[data-state=sent]")
        expect(sent).to_have_count(1, timeout=20000)
        sent.locator("a").first.click()
        device.wait_for_url(re.compile(r".*/visits/[0-9a-f-]{36}$"))


def _plan_this_month(page, live_server) -> None:
    login(page, live_server, "manager@example.com")
    page.goto(live_server["url"] + "/plans/new")
    page.locator("select[name=region]").select_option("华东区")
    page.fill("input[name=first_month]", datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m"))
    page.fill("input[name='count.mystery-shop']", "2")
    page.fill("input[name=scenario]", "咨询宽带办理")
    page.locator("button[name=preview]").click()
    expect(page.locator("#plan-preview")).to_be_visible()
    expect(page.locator("#plan-preview")).to_contain_text("shopper")  # both shoppers share the two visits
    screenshot(page, "plan-preview")
    page.locator("button[name=create]").click()
    page.wait_for_url(re.compile(r".*/assignments\?from="))
    expect(page.locator("table.table tbody tr")).to_have_count(2)
    screenshot(page, "plan-created")


def _shop(shopper, live_server, tmp_path) -> None:
    login(shopper, live_server, "shopper@example.com")
    work = shopper.locator("#my-work")
    expect(work).to_contain_text("咨询宽带办理")
    screenshot(shopper, "my-work")
    work.locator("a.button[href*='assignment=']").first.click()
    shopper.wait_for_url(re.compile(r".*/checklists/mystery-shop/new\?branch=SH01&assignment=\d+"))
    expect(shopper.locator("#assignment-brief")).to_contain_text("咨询宽带办理")
    answer_everything(shopper)
    shopper.locator("#item-greeting-time input[type=number]").fill("3")
    shopper.locator("#item-receipt-photo input[type=file]").set_input_files(photo_file(tmp_path, "receipt.jpg"))
    shopper.locator("#item-receipt-photo .photo-thumb img").wait_for()
    screenshot(shopper, "assigned-form")
    shopper.locator("button[type=submit]").click()
    _sent(shopper)


def _return_from_inbox(page, live_server) -> None:
    page.goto(live_server["url"] + "/visits?status=submitted&sort=oldest")
    rows = page.locator("table.table tbody tr", has_text="营业厅神秘顾客暗访")
    expect(rows).to_have_count(1)
    screenshot(page, "inbox")
    rows.first.locator("a").first.click()
    page.locator("textarea[name=comment]").fill("小票照片看不清，请重新上传")
    page.once("dialog", lambda dialog: dialog.accept())  # returning asks first
    page.locator("button[value=return]").click()
    page.wait_for_load_state()
    assert "已退回" in page.locator(".review-panel").inner_text()


def _correct_after_notice(shopper, live_server, tmp_path) -> None:
    shopper.goto(live_server["url"] + "/")
    badge = shopper.locator("a[href='/notifications'] .count")
    expect(badge).to_have_text(re.compile(r"[1-9]"))
    shopper.goto(live_server["url"] + "/notifications")
    notice = shopper.locator("main a", has_text="营业厅神秘顾客暗访").first
    expect(notice).to_be_visible()
    screenshot(shopper, "notified")
    notice.click()
    shopper.wait_for_url(re.compile(r".*/visits/[0-9a-f-]{36}/correct$"))
    expect(shopper.locator(".return-note")).to_contain_text("小票照片看不清")
    shopper.locator("#item-receipt-photo input[type=file]").set_input_files(photo_file(tmp_path, "receipt2.jpg"))
    shopper.locator("button[type=submit]").click()
    _sent(shopper)
    assert "v2" in shopper.locator(".review-panel").inner_text()


def test_a_planned_mystery_shop_goes_round_the_whole_loop(page, live_server, tmp_path):
    _no_assignments(live_server["app"])
    _plan_this_month(page, live_server)
    shopper = _second_device(page)
    try:
        _shop(shopper, live_server, tmp_path)
        _return_from_inbox(page, live_server)
        _correct_after_notice(shopper, live_server, tmp_path)
        page.goto(live_server["url"] + "/assignments?state=done")
        expect(page.locator("table.table tbody tr")).to_have_count(1)
        screenshot(page, "assignment-done")
    finally:
        shopper.context.close()
