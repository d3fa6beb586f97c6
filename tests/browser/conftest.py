"""A live server with a small organisation, and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import threading
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import flask_migrate
import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import select
from werkzeug.serving import make_server

from inspection import create_app
from inspection.auth.models import User
from inspection.auth.services import add_user
from inspection.catalog.services import get_catalog
from inspection.db import write_transaction
from inspection.extensions import db, media_store
from inspection.org.models import Branch, Staff
from inspection.photos.processing import process
from inspection.photos.storage import write_with_files
from inspection.visits.services import Submission, submit_visit

from .. import factories

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PASSWORD = "browser-pass-1"
SIZES = {"tablet": {"width": 768, "height": 1024}, "phone": {"width": 390, "height": 844}}



@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Serve the app on a free local port with branches, staff and one user per role."""
    folder = tmp_path_factory.mktemp("live")
    app = create_app({
        "SECRET_KEY": "browser-tests", "ENV_NAME": "testing", "PASSWORD_HASH_PROFILE": "CHEAPEST",
        "DATABASE_URL": f"sqlite:///{folder / 'live.sqlite3'}", "MEDIA_DIR": str(folder / "media"),
    })
    with app.app_context():
        flask_migrate.upgrade(directory=app.extensions["migrate"].directory)
        with write_transaction():
            _seed()
        db.session.remove()
    seen: list[tuple[str, str | None]] = []  # every request that reached the server (path, Sec-Fetch-Dest)
    serve = app.wsgi_app

    def counted(environ, start_response):
        seen.append((environ.get("PATH_INFO", ""), environ.get("HTTP_SEC_FETCH_DEST")))
        return serve(environ, start_response)

    app.wsgi_app = counted
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app, "requests": seen}
    server.shutdown()
    thread.join(timeout=5)


def _seed() -> None:
    branch = Branch(code="SH01", name="上海人民广场营业厅", region="华东区", address="人民大道 100 号")
    branch.staff = [Staff(code="S001", name="张伟", position="营业员"),
                    Staff(code="S002", name="李娜", position="大堂经理")]
    db.session.add(branch)
    db.session.flush()
    for email, role in (("inspector@example.com", "inspector"), ("inspector2@example.com", "inspector"),
                        ("shopper@example.com", "shopper"),
                        ("shopper2@example.com", "shopper"), ("manager@example.com", "manager")):
        add_user(email, email.split("@")[0], role, PASSWORD, regions=("华东区",))


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing: `make test` installs Debian's chromium"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
        ])
        yield chromium
        chromium.close()


@pytest.fixture(params=sorted(SIZES))
def page(request, browser):
    """Yield a page at tablet and at phone size, in Chinese and China's time zone like our users' devices."""
    context = browser.new_context(viewport=SIZES[request.param], locale="zh-CN", timezone_id="Asia/Shanghai",
                                  has_touch=True)
    page = context.new_page()
    page.size_name = request.param
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors: {errors}"


def sign_in_form(page, email: str) -> None:
    """Fill in and send the sign-in form the page shows."""
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button.primary")


def login(page, live_server, email: str) -> None:
    page.goto(live_server["url"] + "/login")
    sign_in_form(page, email)
    page.wait_for_url(live_server["url"] + "/")


def screenshot(page, name: str) -> None:
    page.screenshot(path=str(ARTIFACTS / f"{name}-{page.size_name}.png"), full_page=True)


def store_inspection(app, greeting: float) -> str:
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
        with write_with_files(media_store()) as files:
            visit, _ = submit_visit(inspector, checklist, submission, files)
        visit_id = str(visit.uuid)
        db.session.remove()
    return visit_id
