"""A calibration in Chromium: a manager sets one up, three inspectors score the lobby apart, one of them out of line;
the manager reads the kappa and the flag, closes it, and the evaluators then see the results."""

from __future__ import annotations

import re

from sqlalchemy import select

from inspection.auth.models import User
from inspection.auth.services import add_user
from inspection.db import write_transaction
from inspection.extensions import db

from .conftest import PASSWORD, SIZES, login, screenshot
from .test_accessibility import axe_script, violations

EVALUATORS = ("inspector@example.com", "inspector2@example.com", "inspector3@example.com")
MET = ("signage", "floor-clean", "leaflets-current", "writing-desk", "self-service-ok", "uniform-badge", "grooming",
       "standard-greeting", "queue-guidance", "no-buck-passing", "referral", "tariff-matches", "privacy",
       "complaint-box")
# What each evaluator found wanting: the first two agree but on one item, the third sees another lobby.
NOT_MET = {EVALUATORS[0]: ("floor-clean",), EVALUATORS[1]: ("floor-clean", "grooming"),
           EVALUATORS[2]: ("signage", "self-service-ok", "uniform-badge", "standard-greeting", "tariff-matches",
                           "privacy")}


def _third_inspector(app) -> None:
    with app.app_context():
        if db.session.scalar(select(User).where(User.email == EVALUATORS[2])) is None:
            with write_transaction():
                add_user(EVALUATORS[2], "inspector3", "inspector", PASSWORD, regions=("华东区",))
        db.session.remove()


def _device(page, live_server, email: str):
    """Open another person's device, the same size as this one, signed in."""
    context = page.context.browser.new_context(viewport=SIZES[page.size_name], locale="zh-CN",
                                               timezone_id="Asia/Shanghai", has_touch=True)
    other = context.new_page()
    other.size_name = page.size_name
    login(other, live_server, email)
    return other


def _clean(page, axe_source: str) -> None:
    found = violations(page, axe_source)
    assert not found, f"{page.url} at {page.size_name}:\n" + "\n".join(found)


def _set_up(page, live_server, title: str) -> str:
    """Set the exercise up as the manager; return its address."""
    login(page, live_server, "manager@example.com")
    page.locator("nav.main-nav a", has_text="校准").click()
    page.locator("a", has_text="新建校准活动").click()
    page.fill("input[name=title]", title)
    page.fill("textarea[name=target]", "上午 10 点的大厅，三人同时各自评分")
    page.locator("select[name=checklist]").select_option("branch-inspection")
    page.locator("select[name=branch]").select_option("SH01")
    for email in EVALUATORS:
        page.locator(f"input[name=evaluators][value='{email}']").check()
    screenshot(page, "calibration-new")
    page.locator("button.primary", has_text="开始校准活动").click()
    page.wait_for_url(re.compile(r".*/calibrations/\d+$"))
    assert "校准活动已开始" in page.locator(".flash-info").inner_text()
    return page.url


def _score(device, address: str, email: str, axe_source: str) -> None:
    """Answer every item as this evaluator found the lobby, and keep the score."""
    device.goto(live_url(address) + "/")
    waiting = device.locator("nav.main-nav a", has_text="校准")
    assert waiting.locator(".count").inner_text() == "1"  # the top bar says a score is awaited
    device.goto(address)
    assert device.locator("#results").count() == 0  # nothing of the others before the exercise is closed
    device.locator("a.button", has_text="开始评分").click()
    for item in MET:
        value = "false" if item in NOT_MET[email] else "true"
        device.locator(f"label:has(input[name='answer.{item}'][value='{value}'])").click()
    for item, value in (("room-temperature", "23"), ("greeting-time", "3"), ("queue-wait", "200"),
                        ("slip-errors", "0")):
        device.fill(f"input[name='answer.{item}']", value)
    device.locator("label:has(input[name='answer.posture'][value='5'])").click()
    device.locator("label:has(input[name='answer.had-complaint'][value='false'])").click()
    for item in ("duty-staff", "reception-staff"):
        device.locator(f"select[name='answer.{item}']").select_option("S001")
    if email == EVALUATORS[2]:
        _clean(device, axe_source)
        screenshot(device, "calibration-score")
    device.locator("button.primary", has_text="保存我的评分").click()
    device.wait_for_url(address)
    assert "您的评分已保存" in device.locator(".flash-info").inner_text()


def live_url(address: str) -> str:
    return re.match(r"https?://[^/]+", address).group(0)


def test_three_evaluators_score_apart_and_the_manager_sees_the_kappa_and_the_outlier(page, live_server):
    axe_source = axe_script()
    _third_inspector(live_server["app"])
    address = _set_up(page, live_server, f"大厅巡检校准（{page.size_name}）")
    _clean(page, axe_source)
    devices = {email: _device(page, live_server, email) for email in EVALUATORS}
    for email, device in devices.items():
        _score(device, address, email, axe_source)

    page.goto(address)  # the manager sees the results as they come in
    kappa = page.locator("#fleiss-kappa").inner_text()
    assert re.match(r"-?\d\.\d\d", kappa), kappa
    rows = page.locator("#evaluators tbody tr")
    assert rows.count() == 3
    flagged = page.locator("#evaluators tbody tr.flagged")
    assert flagged.count() == 1 and "inspector3" in flagged.inner_text() and "低于阈值" in flagged.inner_text()
    assert page.locator("#items tr.disputed").count() == 8  # the floor, the grooming and the outlier's six
    page.on("dialog", lambda dialog: dialog.accept())  # closing asks first
    page.locator("button", has_text="关闭校准活动").click()
    page.wait_for_url(address)
    assert "已关闭" in page.locator("h1").inner_text()  # no longer 评分中
    _clean(page, axe_source)
    screenshot(page, "calibration-results")

    outlier = devices[EVALUATORS[2]]
    outlier.goto(address)  # closed: the evaluators see the results, the others unnamed
    mine = outlier.locator("#evaluators tbody tr.flagged")
    assert "inspector3" in mine.inner_text() and "inspector2" not in outlier.locator("#evaluators").inner_text()
    _clean(outlier, axe_source)
    screenshot(outlier, "calibration-results-evaluator")
    page.goto(live_url(address) + "/calibrations/trend")
    assert page.locator("svg[role=img]").count() >= 3
    _clean(page, axe_source)
    screenshot(page, "calibration-trend")
    for device in devices.values():
        device.context.close()
