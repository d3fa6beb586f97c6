"""The manager's loop in Chromium: release a visit, return another, read a staff page, export XLSX."""

from __future__ import annotations

import io
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from inspection.auth.models import User
from inspection.catalog.services import get_catalog
from inspection.extensions import db
from inspection.photos.processing import process
from inspection.photos.storage import write_with_files
from inspection.visits.services import Submission, submit_visit

from .. import factories
from .conftest import login, screenshot


def _inspection(app, greeting: float) -> str:
    """Store an inspection of SH01 by the inspector; return its id."""
    with app.app_context():
        inspector = db.session.scalar(select(User).where(User.email == "inspector@example.com"))
        checklist = get_catalog().checklists["branch-inspection"]
        answers = {}
        for _, item in checklist.items():
            if item.type == "yes_no" and item.points:
                answers[item.id] = True
            elif item.type == "staff":
                answers[item.id] = "S001"
        answers.update({"room-temperature": 22, "posture": 5, "greeting-time": greeting, "queue-wait": 120,
                        "slip-errors": 0, "had-complaint": False})
        finished = datetime.now(timezone.utc) - timedelta(days=1)
        photo = process(factories.jpeg_bytes(800, 600), 10**7, 10**8)
        submission = Submission(uuid=uuid.uuid4(), checklist_id=checklist.id, branch_code="SH01",
                                started_at=finished - timedelta(minutes=30), finished_at=finished,
                                answers=answers, photos=[("overview-photo", photo)])
        with write_with_files(app.config["MEDIA_DIR"]) as files:
            visit, _ = submit_visit(inspector, checklist, submission, files)
        visit_id = str(visit.uuid)
        db.session.remove()
    return visit_id


@pytest.mark.parametrize("page", ["tablet"], indirect=True)
def test_manager_releases_returns_reads_a_staff_page_and_exports(page, live_server):
    app = live_server["app"]
    released, returned = _inspection(app, greeting=8.0), _inspection(app, greeting=3.0)
    login(page, live_server, "manager@example.com")
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
    assert rows[0][:3] == ("visit", "finished_at", "branch")
    assert any(row[0] == released for row in rows[1:])
