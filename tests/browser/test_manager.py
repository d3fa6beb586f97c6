"""The manager's loop in Chromium: release a visit, return another, read a staff page, export XLSX."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from .conftest import login, screenshot, store_inspection


@pytest.mark.parametrize("page", ["tablet"], indirect=True)
def test_manager_releases_returns_reads_a_staff_page_and_exports(page, live_server):
    app = live_server["app"]
    released, returned = store_inspection(app, greeting=8.0), store_inspection(app, greeting=3.0)
    login(page, live_server, "manager@example.com")
    page.on("dialog", lambda dialog: dialog.accept())  # release and return ask first (tests/browser/test_actions.py)
    page.goto(f"{live_server['url']}/visits/{released}")
    page.locator("button[value=release]").click()
    page.wait_for_load_state()
    assert "已发布" in page.locator(".review-panel").inner_text()
    # Releasing opened a corrective action for the failed critical greeting.
    assert page.locator("a.chip", has_text="整改措施").count() == 1
    screenshot(page, "manager-released")

    page.goto(f"{live_server['url']}/visits/{returned}")
    page.locator("textarea[name='comment.queue-wait']").fill("等候时间请用叫号系统记录核对")
    page.locator("textarea[name=comment]").fill("请补充说明")
    page.locator("button[value=return]").click()
    page.wait_for_load_state()
    assert "已退回" in page.locator(".review-panel").inner_text()
    assert "等候时间请用叫号系统记录核对" in page.locator("#item-queue-wait").inner_text()
    screenshot(page, "manager-returned")

    page.goto(f"{live_server['url']}/performance/staff/S001")
    assert page.locator("svg[role=img]").count() >= 1
    assert "S001 张伟" in page.locator("h1").inner_text()
    screenshot(page, "manager-staff-page")

    page.goto(f"{live_server['url']}/performance/")
    with page.expect_download() as download:
        page.locator("a", has_text="导出 XLSX").click()
    sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("检查编号", "完成时间", "营业厅编码")  # headers people read; ?header=ids for scripts
    assert any(row[0] == released for row in rows[1:])
