"""A returned visit corrected in Chromium: the reviewer's comments beside the items, a new photo, new times."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from inspection.auth.models import User
from inspection.db import write_transaction
from inspection.extensions import db
from inspection.review.services import review
from inspection.visits.services import visible_visit

from .conftest import login, screenshot, store_inspection
from .test_field_app import photo_file


def _return(app, visit_id: str, comment: str, item_comments: dict | None = None) -> None:
    """Have the manager return the visit with these comments."""
    with app.app_context():
        manager = db.session.scalar(select(User).where(User.email == "manager@example.com"))
        with write_transaction():
            review(manager, visible_visit(manager, visit_id), "return", comment, item_comments)
        db.session.remove()


def _returned(app) -> str:
    """Store an inspection and have it returned, asking for a floor photo and the right times."""
    visit_id = store_inspection(app, greeting=3.0)
    _return(app, visit_id, "离店时间记错了，请更正", {"floor-clean": "地面其实有水渍，请改为不达标并补拍照片"})
    return visit_id


def test_an_inspector_corrects_a_returned_visit_with_a_photo_and_new_times(page, live_server, tmp_path):
    visit_id = _returned(live_server["app"])
    login(page, live_server, "inspector@example.com")
    page.goto(f"{live_server['url']}/visits/{visit_id}")
    page.locator("a.button", has_text="修改并重新提交").click()
    page.wait_for_url(re.compile(r".*/correct$"))
    expect(page.locator(".return-note")).to_contain_text("离店时间记错了")
    expect(page.locator("#item-floor-clean .item-comment")).to_contain_text("请改为不达标并补拍照片")
    expect(page.locator("#item-overview-photo .photo-thumb img")).to_have_count(1)  # the photo already sent
    page.locator("#item-floor-clean .chip-choice span").nth(1).click()  # 不达标
    page.locator("button[type=submit]").click()
    # The browser's engine applies the photo rule before anything is sent.
    expect(page.locator("#item-floor-clean .item-error")).to_have_text("不达标时必须拍照。")
    page.locator("#item-floor-clean input[type=file]").set_input_files(photo_file(tmp_path, "floor.jpg"))
    expect(page.locator("#item-floor-clean .photo-thumb img")).to_have_count(1)
    page.locator("input[name=visit-date]").fill((date.today() - timedelta(days=2)).isoformat())
    page.locator("input[name=time-in]").fill("09:30")
    page.locator("input[name=time-out]").fill("09:50")
    screenshot(page, "correction")
    page.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r".*/visits/[0-9a-f-]{36}$"), timeout=10000)
    panel = page.locator(".review-panel").inner_text()
    assert "已提交" in panel and "v2" in panel
    assert page.locator("#item-floor-clean img").count() == 1 and page.locator("#item-overview-photo img").count() == 1
    page.goto(f"{live_server['url']}/visits/{visit_id}/diff?from=1&to=2")
    body = page.locator("main").inner_text()
    assert "09:30–09:50" in body and "地面、台面、柜台整洁" in body
    assert page.locator("td img").count() == 1  # the floor photo added in v2
    screenshot(page, "correction-diff")


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_a_device_in_another_time_zone_keeps_or_sets_times_where_the_branch_is(page, browser, live_server):
    visit_id = _returned(live_server["app"])
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN",
                                  timezone_id="America/New_York", has_touch=True)
    away = context.new_page()
    away.size_name = "phone-new-york"
    try:
        login(away, live_server, "inspector@example.com")
        before = away.request.get(f"{live_server['url']}/api/v1/visits/{visit_id}").json()
        away.goto(f"{live_server['url']}/visits/{visit_id}/correct")
        away.locator("#item-signage .chip-choice span").first.click()  # an answer, not the times
        away.locator("button[type=submit]").click()
        away.wait_for_url(re.compile(r".*/visits/[0-9a-f-]{36}$"), timeout=10000)
        after = away.request.get(f"{live_server['url']}/api/v1/visits/{visit_id}").json()
        assert (after["version"], after["started_at"], after["finished_at"]) == \
            (2, before["started_at"], before["finished_at"])
        _return(live_server["app"], visit_id, "到访时间请按门店监控更正")
        away.goto(f"{live_server['url']}/visits/{visit_id}/correct")
        day = (date.today() - timedelta(days=2)).isoformat()
        away.locator("input[name=visit-date]").fill(day)
        away.locator("input[name=time-in]").fill("09:30")
        away.locator("input[name=time-out]").fill("09:50")
        away.locator("button[type=submit]").click()
        away.wait_for_url(re.compile(r".*/visits/[0-9a-f-]{36}$"), timeout=10000)
        moved = away.request.get(f"{live_server['url']}/api/v1/visits/{visit_id}").json()
        # 09:30 in Shanghai (UTC+8), not in New York.
        assert (moved["started_at"], moved["finished_at"]) == (f"{day}T01:30:00+00:00", f"{day}T01:50:00+00:00")
    finally:
        context.close()
