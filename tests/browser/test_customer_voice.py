"""The customer's voice on a manager's screens, at phone and tablet size: SERVQUAL by source, a staff member's badge
figures and a follow-up case taken from open to done with a note; screenshots kept, axe finds nothing."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from inspection import localtime
from inspection.auth.models import User
from inspection.catalog.services import get_catalog
from inspection.db import write_transaction
from inspection.extensions import db
from inspection.org.models import Branch, Staff
from inspection.review.services import review
from inspection.visits.services import Submission, submit_visit

from .. import customers
from .conftest import login, screenshot
from .test_accessibility import axe_script, violations

CONTACT, COMMENT, TITLE = "139 1234 5678", "办理宽带等了五十分钟，没人解释原因", "办理宽带等待过久"
# (expectation, perception) for every item of the shipped survey, per respondent: some delighted, some let down.
MOODS = [(6, 6), (7, 4), (6, 5), (7, 3), (5, 6), (6, 4)]


def _answers(checklist, expectation: int, perception: int) -> dict:
    rated = {item.id: {"expectation": expectation, "perception": max(1, min(7, perception - index % 3 + 1))}
             for index, (_, item) in enumerate(checklist.items()) if item.type == "servqual"}
    return {**rated, "overall-satisfaction": perception + 2, "recommend": perception >= 5}


@pytest.fixture(scope="module")
def voices(live_server) -> None:
    """Store a released shopper survey of SH01 and six customers' responses, two through S001's badge."""
    app = live_server["app"]
    with app.app_context():
        survey = get_catalog().checklists["servqual-survey"]
        manager = db.session.scalar(select(User).where(User.email == "manager@example.com"))
        shopper = db.session.scalar(select(User).where(User.email == "shopper@example.com"))
        branch = db.session.scalar(select(Branch).where(Branch.code == "SH01"))
        badge = db.session.scalar(select(Staff).where(Staff.code == "S001"))
        now = datetime.now(timezone.utc)
        with write_transaction():
            visit, _ = submit_visit(shopper, survey, Submission(
                uuid=uuid.uuid4(), checklist_id=survey.id, branch_code="SH01", started_at=now - timedelta(hours=2),
                finished_at=now - timedelta(hours=1, minutes=50), answers=_answers(survey, 6, 5)))
            review(manager, visit, "release")
            links = [customers.link(branch, manager, checklist=survey),
                     customers.link(branch, manager, staff=badge, checklist=survey)]
            for index, (expectation, perception) in enumerate(MOODS):
                customers.respond(links[index % 2], _answers(survey, expectation, perception),
                                  now - timedelta(days=index + 1), checklist=survey)
        db.session.remove()


@pytest.fixture
def case(live_server, voices) -> int:
    """Store an unhappy customer's response with a contact, and its follow-up case due yesterday; return its id."""
    app = live_server["app"]
    with app.app_context():
        survey = get_catalog().checklists["servqual-survey"]
        manager = db.session.scalar(select(User).where(User.email == "manager@example.com"))
        link = customers.link(db.session.scalar(select(Branch).where(Branch.code == "SH01")), manager,
                              checklist=survey)
        with write_transaction():
            answered = customers.respond(link, _answers(survey, 7, 3), datetime.now(timezone.utc) - timedelta(days=2),
                                         checklist=survey, comment=COMMENT, contact=CONTACT)
            made = customers.follow_up(answered, manager, localtime.today() - timedelta(days=1), title=TITLE)
        case_id = made.id
        db.session.remove()
    return case_id


def _no_violations(page) -> None:
    found = violations(page, axe_script())
    assert not found, f"{page.url} at {page.size_name}:\n" + "\n".join(found)


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), page.url


def test_servqual_by_source_and_the_badge_figures(page, live_server, voices):
    base = live_server["url"]
    login(page, live_server, "manager@example.com")
    page.goto(f"{base}/performance/servqual")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#source-shoppers h2")).to_have_text("神秘顾客问卷")
    expect(page.locator("#source-customers h2")).to_have_text("顾客自评")
    expect(page.locator("#source-customers p").first).to_contain_text("样本量: 6")
    expect(page.locator("#source-customers table tbody tr")).to_have_count(5)
    expect(page.locator("#by-staff")).to_contain_text("S001 张伟")
    _fits(page)
    screenshot(page, "servqual-by-source")
    _no_violations(page)
    page.goto(f"{base}/performance/staff/S001")
    page.wait_for_load_state("networkidle")
    expect(page.locator("#customer-servqual")).to_contain_text("样本量: 3")
    _fits(page)
    screenshot(page, "staff-badge-servqual")
    _no_violations(page)


def test_a_follow_up_case_from_the_home_page_to_done(page, live_server, case):
    base = live_server["url"]
    login(page, live_server, "manager@example.com")
    overdue = page.locator("#overdue-follow-ups a")
    expect(overdue).to_contain_text("逾期的顾客回访")
    overdue.click()
    page.wait_for_url(f"{base}/actions?overdue=1&kind=follow_up")
    row = page.locator(f"tbody tr:has(a[href='/actions/{case}'])")
    expect(row).to_contain_text("顾客回访")
    expect(row).to_contain_text("已逾期")
    _fits(page)
    screenshot(page, "follow-ups-overdue")
    _no_violations(page)
    page.goto(f"{base}/actions/{case}")
    response = page.locator("#customer-response")
    expect(response).to_contain_text(COMMENT)
    expect(response.locator("#customer-contact")).to_have_text(CONTACT)
    _fits(page)
    screenshot(page, "follow-up-case")
    _no_violations(page)
    # Closed with a note alone: a call-back needs no photo.
    page.locator("textarea[name=note]").fill("已致电顾客致歉，说明原因并预约上门安装")
    page.locator("button[value=close]").click()
    expect(page.locator(".flash-info")).to_contain_text("顾客回访已标记为完成")
    expect(page.locator("button[value=reopen]")).to_have_count(1)
    screenshot(page, "follow-up-done")
    _no_violations(page)
