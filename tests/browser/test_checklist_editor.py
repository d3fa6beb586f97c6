"""Checklist management in Chromium at tablet and phone size: a manager given the permission opens a checklist,
breaks it, sees the error beside its line, corrects it, previews it, publishes it, and the visit form offers it."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import flask_migrate
import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from inspection import create_app
from inspection.auth.services import add_user
from inspection.checklists import load_file
from inspection.db import write_transaction
from inspection.extensions import db
from inspection.org.models import Branch, Staff

from .conftest import PASSWORD, login
from .conftest import screenshot as take_screenshot
from .test_accessibility import axe_script, violations

SHIPPED = Path(__file__).resolve().parents[2] / "checklists"
FILE = "branch-inspection.yaml"
OLD_TEXT, NEW_TEXT = "地面、台面、柜台整洁，无杂物、无污渍", "地面、台面、柜台和座椅整洁，无杂物、无污渍"


def screenshot(page, name: str) -> None:
    """Take the screenshot, and check that the page fits the screen's width (no sideways scrolling)."""
    take_screenshot(page, name)
    width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width[0] <= width[1] + 1, f"{name} is {width[0]} px wide on a {width[1]} px screen"


@pytest.fixture(scope="module")
def editor_server(tmp_path_factory):
    """Serve the app with a checklist folder of its own (a copy of the shipped one), a manager who manages
    checklists and an inspector."""
    root = tmp_path_factory.mktemp("editor")
    folder = root / "checklists"
    shutil.copytree(SHIPPED, folder)
    app = create_app({
        "SECRET_KEY": "browser-tests", "ENV_NAME": "testing", "PASSWORD_HASH_PROFILE": "CHEAPEST",
        "DATABASE_URL": f"sqlite:///{root / 'editor.sqlite3'}", "MEDIA_DIR": str(root / "media"),
        "CHECKLIST_DIR": str(folder),
    })
    with app.app_context():
        flask_migrate.upgrade(directory=app.extensions["migrate"].directory)
        with write_transaction():
            branch = Branch(code="SH01", name="上海人民广场营业厅", region="华东区", address="人民大道 100 号")
            branch.staff = [Staff(code="S001", name="张伟", position="营业员")]
            db.session.add(branch)
            db.session.flush()
            manager = add_user("quality@example.com", "质量经理", "manager", PASSWORD, regions=("华东区",))
            manager.manages_checklists = True
            add_user("inspector@example.com", "inspector", "inspector", PASSWORD, regions=("华东区",))
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield {"url": f"http://127.0.0.1:{server.server_port}", "app": app, "folder": folder}
    server.shutdown()
    thread.join(timeout=5)


def test_a_manager_breaks_corrects_previews_and_publishes_a_checklist(page, editor_server, browser):
    url, folder = editor_server["url"], editor_server["folder"]
    shutil.copy(SHIPPED / FILE, folder / FILE)  # each screen size starts from the shipped checklist
    original = (folder / FILE).read_text(encoding="utf-8")
    login(page, editor_server, "quality@example.com")
    page.locator("nav.main-nav a", has_text="检查表").click()
    expect(page.locator("h1")).to_have_text("检查表")
    screenshot(page, "checklist-editor-list")
    page.locator(f"a[href$='/files/{FILE}']").first.click()

    # Break it: a number of points written in words.
    lines = original.split("\n")
    broken_line = next(number for number, line in enumerate(lines, 1) if line.strip() == "points: 4")
    source = page.locator("#source")
    source.fill(original.replace("        points: 4\n", "        points: four\n", 1))
    page.locator("button", has_text="检查并预览").click()
    problems = page.locator("#problems")
    expect(problems).to_be_focused()
    expect(problems.locator("li").first).to_contain_text(f"第 {broken_line} 行")
    assert "problem-1" in source.get_attribute("aria-describedby").split()
    expect(page.locator(".line-numbers .bad-line")).to_have_text(str(broken_line))
    expect(page.locator("#preview")).to_have_count(0)
    screenshot(page, "checklist-editor-error")
    problems.locator("a[data-line]").first.click()  # the error takes the reader to its line
    expect(source).to_be_focused()
    selected = page.evaluate("() => { const s = document.getElementById('source'); "
                             "return s.value.slice(s.selectionStart, s.selectionEnd); }")
    assert selected.strip() == "points: four"

    # Correct it, with a clearer standard, and preview: the form and the engine's sample score.
    corrected = original.replace(OLD_TEXT, NEW_TEXT)
    source.fill(corrected)
    page.locator("button", has_text="检查并预览").click()
    preview = page.locator("#preview")
    expect(preview).to_be_focused()
    expect(page.locator("#problems")).to_have_count(0)
    expect(preview.locator("[data-score]")).not_to_have_text("—")
    expect(preview.locator(".checklist-preview [data-item='floor-clean']")).to_contain_text(NEW_TEXT)
    expect(preview.locator(".checklist-preview input").first).to_be_disabled()
    screenshot(page, "checklist-editor-preview")

    # Publishing asks first: declining writes nothing, accepting publishes.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.locator("button.publish").click()
    assert (folder / FILE).read_text(encoding="utf-8") == original
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("button.publish").click()
    expect(page.locator(".flash-info")).to_contain_text("已发布")
    assert (folder / FILE).read_text(encoding="utf-8") == corrected
    version = load_file(folder / FILE).version
    expect(page.locator("table.checklist-table")).to_contain_text(version[:12])
    screenshot(page, "checklist-editor-published")

    # What changed, read from the two frozen versions.
    page.locator("a", has_text="对比").first.click()
    changed = page.locator("li.changed")
    expect(changed).to_have_count(1)
    expect(changed).to_contain_text("floor-clean")
    expect(changed.locator("td.before")).to_have_text(OLD_TEXT)
    expect(changed.locator("td.after")).to_have_text(NEW_TEXT)
    screenshot(page, "checklist-editor-compare")

    # The visit form offers the new version at once.
    context = browser.new_context(viewport=page.viewport_size, locale="zh-CN", timezone_id="Asia/Shanghai")
    inspector = context.new_page()
    inspector.size_name = page.size_name
    login(inspector, editor_server, "inspector@example.com")
    inspector.goto(f"{url}/checklists/branch-inspection/new?branch=SH01")
    expect(inspector.locator("#visit-form")).to_have_attribute("data-version", version)
    expect(inspector.locator("#item-floor-clean")).to_contain_text(NEW_TEXT)
    context.close()


@pytest.mark.parametrize("page", ["phone"], indirect=True)
def test_a_publish_over_a_changed_file_is_refused_and_the_text_kept(page, editor_server):
    url, folder = editor_server["url"], editor_server["folder"]
    login(page, editor_server, "quality@example.com")
    page.goto(f"{url}/checklist-editor/files/mystery-shop.yaml")
    text = page.locator("#source").input_value()
    (folder / "mystery-shop.yaml").write_text(text.replace("title:", "title:", 1) + "# 另一位经理的修改\n",
                                              encoding="utf-8")
    page.locator("#source").fill(text + "# 我的修改\n")
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("button.publish").click()
    expect(page.locator("#conflict")).to_be_focused()
    expect(page.locator("#conflict")).to_contain_text("mystery-shop.yaml")
    assert "# 我的修改" in page.locator("#source").input_value()
    assert "# 我的修改" not in (folder / "mystery-shop.yaml").read_text(encoding="utf-8")
    screenshot(page, "checklist-editor-conflict")


def test_the_editor_pages_pass_axe(page, editor_server):
    """The list, an editor showing errors, the preview and a comparison have no accessibility violation."""
    url, folder = editor_server["url"], editor_server["folder"]
    shutil.copy(SHIPPED / FILE, folder / FILE)
    source_text = axe_script()
    login(page, editor_server, "quality@example.com")
    page.goto(url + "/checklist-editor/")
    assert not violations(page, source_text)
    page.locator(f"a[href$='/files/{FILE}']").first.click()
    page.locator("#source").fill((folder / FILE).read_text(encoding="utf-8").replace("points: 4\n", "points: x\n", 1))
    page.locator("button", has_text="检查并预览").click()
    expect(page.locator("#problems")).to_be_focused()
    assert not violations(page, source_text)
    page.locator("#source").fill((folder / FILE).read_text(encoding="utf-8"))
    page.locator("button", has_text="检查并预览").click()
    expect(page.locator("#preview")).to_have_count(1)
    assert not violations(page, source_text)
