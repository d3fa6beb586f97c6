"""A customer on a phone, signed out, answers the SERVQUAL survey and a short one from a QR code's address: the
first load is measured (under 60 KB), axe finds nothing, and screenshots show each step."""

from __future__ import annotations

import shutil
import threading

import flask_migrate
import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from inspection import create_app
from inspection.auth.services import add_user
from inspection.db import write_transaction
from inspection.extensions import db
from inspection.org.models import Branch, Staff
from inspection.surveys import services
from inspection.surveys.models import SurveyResponse

from ..survey_pages import QUICK, SHIPPED
from .conftest import ARTIFACTS, PASSWORD, SIZES, login
from .test_accessibility import axe_script, violations

FIRST_LOAD_LIMIT = 60 * 1024


@pytest.fixture(scope="module")
def survey_site(tmp_path_factory):
    """Serve the app with the SERVQUAL survey and the quick one, their links at one branch and a badge."""
    folder = tmp_path_factory.mktemp("survey-live")
    checklists = folder / "checklists"
    checklists.mkdir()
    shutil.copy(SHIPPED, checklists)
    (checklists / "quick-check.yaml").write_text(QUICK, encoding="utf-8")
    app = create_app({
        "SECRET_KEY": "survey-browser", "ENV_NAME": "testing", "PASSWORD_HASH_PROFILE": "CHEAPEST",
        "DATABASE_URL": f"sqlite:///{folder / 'live.sqlite3'}", "MEDIA_DIR": str(folder / "media"),
        "CHECKLIST_DIR": str(checklists), "SURVEY_MIN_SECONDS": 2,
    })
    with app.app_context():
        flask_migrate.upgrade(directory=app.extensions["migrate"].directory)
        with write_transaction():
            branch = Branch(code="SH01", name="上海人民广场营业厅", region="华东区", address="人民大道 100 号")
            branch.staff = [Staff(code="S001", name="张伟", position="营业员")]
            db.session.add(branch)
            db.session.flush()
            manager = add_user("manager@example.com", "王经理", "manager", PASSWORD, regions=("华东区",))
            tokens = {"servqual": services.enable(manager, "servqual-survey", "SH01")[0].token,
                      "quick": services.enable(manager, "quick-check", "SH01", "S001")[0].token}
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app, "tokens": tokens}
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def phone(browser):
    """Yield a phone's page: a fresh device (no cookie), in Chinese and China's time zone, touch screen."""
    context = browser.new_context(viewport=SIZES["phone"], locale="zh-CN", timezone_id="Asia/Shanghai",
                                  has_touch=True, is_mobile=True, device_scale_factor=2)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def _shot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"customer-{name}-phone.png"), full_page=True)


def _no_violations(page) -> None:
    found = violations(page, axe_script())
    assert not found, "\n".join(found)


def _first_load(page, url: str) -> tuple[int, int, list[str]]:
    """Open the URL on a fresh device; return the bytes of every response body (decoded, and as sent)."""
    responses = []

    def seen(response) -> None:
        responses.append(response)

    page.on("response", seen)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.remove_listener("response", seen)
    decoded = sum(len(response.body()) for response in responses)
    sent = sum(response.request.sizes()["responseBodySize"] for response in responses)
    return decoded, sent, [response.url for response in responses]


def _stored(site) -> int:
    with site["app"].app_context():
        count = db.session.scalar(select(func.count()).select_from(SurveyResponse))
        db.session.remove()
    return count


def test_a_customer_answers_the_servqual_survey_on_a_phone(phone, survey_site):
    url = f"{survey_site['url']}/s/{survey_site['tokens']['servqual']}"
    decoded, sent, fetched = _first_load(phone, url)
    print(f"first load: {len(fetched)} requests, {decoded} bytes decoded, {sent} bytes sent")
    assert len(fetched) == 2, fetched  # the page and its stylesheet: no script, no font, no icon
    assert decoded < FIRST_LOAD_LIMIT and sent < decoded
    assert phone.context.cookies() == []  # no session: nothing ties the customer's visits together
    assert phone.locator("h1").inner_text() == "营业厅顾客服务质量调查（SERVQUAL）"
    assert phone.locator("fieldset.scale").count() == 44
    _no_violations(phone)
    _shot(phone, "servqual-start")

    # One statement half rated, the required overall rating given: the page comes back with the fault marked.
    phone.locator('input[name="a.t1.e"][value="6"]').check()
    phone.locator('input[name="a.overall-satisfaction"][value="8"]').check()
    phone.wait_for_timeout(2100)  # a person takes longer than the survey's minimum fill time (2 s here)
    phone.get_by_role("button", name="提交").click()
    phone.wait_for_load_state()
    assert phone.locator("main").get_attribute("data-outcome") == "invalid"
    assert phone.locator("#e-t1").inner_text() == "请对两项都打分：您的期望和您的实际感受。"
    assert phone.locator("#q-t1").get_attribute("aria-describedby") == "e-t1"
    assert phone.locator('input[name="a.t1.e"][value="6"]').is_checked()  # nothing chosen is lost
    _no_violations(phone)
    _shot(phone, "servqual-marked")

    for index, statement in enumerate(phone.locator("fieldset.q:has(fieldset.scale)").all()):
        statement.locator(f'.scale:nth-of-type(1) input[value="{6 if index % 3 else 7}"]').check()
        statement.locator(f'.scale:nth-of-type(2) input[value="{5 if index % 2 else 4}"]').check()
    phone.locator('input[name="a.recommend"][value="true"]').check()
    phone.locator("#comment").fill("等候区座位不够，高峰时要站很久。")
    assert phone.locator("button[type=submit]").bounding_box()["height"] >= 44
    phone.get_by_role("button", name="提交").click()
    phone.wait_for_load_state()
    assert phone.locator("h1").inner_text() == "感谢您！"
    assert _stored(survey_site) == 1
    assert [cookie["name"] for cookie in phone.context.cookies()] == ["survey_done"]  # this phone answered today
    _no_violations(phone)
    _shot(phone, "servqual-thanks")

    phone.goto(url)  # the same phone again today
    assert "您今天已经回答过本调查了" in phone.locator("main").inner_text()


def test_a_customer_answers_the_short_survey_in_english(phone, survey_site):
    url = f"{survey_site['url']}/s/{survey_site['tokens']['quick']}"
    decoded, _sent, _fetched = _first_load(phone, url + "?lang=en")
    assert decoded < FIRST_LOAD_LIMIT
    assert phone.locator("html").get_attribute("lang") == "en"
    assert "张伟" in phone.locator(".who").inner_text()
    _no_violations(phone)
    # Every answer button is a touch target of 44 px or more.
    heights = [box["height"] for box in (label.bounding_box() for label in phone.locator(".opts label").all())]
    assert heights and min(heights) >= 44, heights
    phone.locator('input[name="a.satisfied"][value="2"]').check()
    phone.locator('input[name="a.solved"][value="false"]').check()
    phone.get_by_label("15 分钟以上").check()
    phone.locator("#comment").fill("The queue machine was broken.")
    phone.get_by_label("The branch may contact me about my answers.").check()
    phone.locator("#contact").fill("13800000000")
    phone.wait_for_timeout(2000)  # a person takes longer than the survey's minimum fill time
    _shot(phone, "quick-filled")
    phone.get_by_role("button", name="Send").click()
    phone.wait_for_load_state()
    assert phone.locator("h1").inner_text() == "Thank you!"
    _shot(phone, "quick-thanks")
    phone.get_by_role("link", name="中文").click()
    assert phone.locator("h1").inner_text() == "感谢您！"


def test_the_managers_links_page(phone, survey_site):
    login(phone, survey_site, "manager@example.com")
    phone.goto(survey_site["url"] + "/surveys")
    phone.wait_for_load_state("networkidle")
    assert phone.locator("div[role=img] svg").count() >= 1
    phone.locator("details summary").first.click()
    _no_violations(phone)
    _shot(phone, "manager-links")
