"""One language per page: problems from every layer, error pages, sign-in prompts and import rows in Chinese
(and English when chosen), the verdict told apart from the rating band, and one notion of today."""

from __future__ import annotations

import ast
import io
import shutil
import uuid
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from inspection import localtime
from inspection.db import write_transaction
from inspection.problems import Problem
from inspection.visits.services import submit_visit

from . import factories

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
PROBLEMS = {cls.__name__ for cls in (Problem, *Problem.__subclasses__())} | {"PhotoError", "UserError"}
ZH = {"Accept-Language": "zh-CN"}
EN = {"Accept-Language": "en"}


def test_every_message_in_the_catalogue_has_its_chinese():
    with open(PO, "rb") as handle:
        catalog = read_po(handle)
    missing = [message.id for message in catalog if message.id and not message.fuzzy
               and not all(message.string if isinstance(message.string, tuple) else (message.string,))]
    assert not missing, f"add these to scripts/translations_zh.py: {missing}"


def _raises_without_a_template(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) in PROBLEMS and node.args:
            first = node.args[0]
            literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
            # A message built elsewhere is allowed only with details: their codes carry the translation.
            if not literal and len(node.args) < 2:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def test_every_problem_is_raised_with_a_catalogue_template():
    """f-strings cannot be translated: problems are raised with an English template and its params."""
    offenders = [where for path in sorted((ROOT / "inspection").rglob("*.py"))
                 for where in _raises_without_a_template(path)]
    assert not offenders, offenders


def test_an_api_error_speaks_the_callers_language(client, users, tokens):
    missing = f"/api/v1/visits/{uuid.uuid4()}"
    zh = client.get(missing, headers={**factories.bearer(tokens["admin"]), **ZH}).get_json()
    assert zh["code"] == "not_found" and zh["title"] == "没有找到" and zh["text"].startswith("没有检查记录")
    assert zh["error"].startswith("no visit")  # the stable English message stays for scripts
    en = client.get(missing, headers={**factories.bearer(tokens["admin"]), **EN}).get_json()
    assert en["text"].startswith("No visit")


def test_a_refused_photo_says_why_in_chinese(client, users, tokens, small):
    body = factories.api_visit()
    data = {"visit": (io.BytesIO(__import__("json").dumps(body).encode()), "visit.json", "application/json"),
            "photo.clean": (io.BytesIO(b"not a photo at all"), "a.jpg", "image/jpeg")}
    answer = client.post("/api/v1/visits", data=data, headers={**factories.bearer(tokens["inspector"]), **ZH})
    assert answer.status_code == 422
    detail = answer.get_json()["details"][0]
    assert detail["code"] == "photo_refused" and "不是 JPEG、PNG、WebP 或 HEIC 照片" in detail["text"]


@pytest.mark.parametrize(("path", "status", "text"), [
    ("/no-such-page", 404, "没有这个页面"),
    ("/visits?from=2026-13-01", 400, "须为 YYYY-MM-DD 格式的日期"),
    ("/coverage", 403, "您无权执行"),
])
def test_error_pages_are_chinese_in_the_layout_with_a_way_back(client, users, path, status, text):
    factories.login(client, users["inspector"])
    page = client.get(path, headers=ZH)
    html = page.get_data(as_text=True)
    assert page.status_code == status and text in html
    assert 'class="main-nav"' in html and "返回首页" in html  # the app's own layout, and a way back


def test_the_sign_in_prompt_is_chinese(client, org):
    page = client.get("/visits", headers=ZH, follow_redirects=True)
    assert "请先登录再查看此页面。" in page.get_data(as_text=True)


def test_rejected_import_rows_are_chinese(client, users):
    factories.login(client, users["admin"])
    data = {"file": (io.BytesIO("code,name,branch,position\nS9,张三,B9,营业员\n".encode()), "staff.csv")}
    page = client.post("/admin/staff/import", data=data, headers=ZH)
    assert page.status_code == 422 and "第 2 行：未知营业厅“B9”" in page.get_data(as_text=True)


BANDED = """id: banded
title: 带评级的检查表
kind: inspection
ratings:
  - {min: 90, label: 优秀}
  - {min: 0, label: 合格}
sections:
  - id: hall
    title: 大厅
    items:
      - {id: clean, text: 整洁, type: yes_no, points: 5}
      - {id: greet, text: 问候, type: yes_no, points: 5, critical: true}
"""


def test_a_failed_visit_in_a_band_named_pass_reads_as_failed(app, client, users, tmp_path):
    folder = tmp_path / "checklists"
    shutil.copytree(factories.FIXTURES, folder)
    (folder / "banded.yaml").write_text(BANDED, encoding="utf-8")
    app.config["CHECKLIST_DIR"] = str(folder)
    from inspection.catalog.services import refresh_catalog
    checklist = refresh_catalog().checklists["banded"]
    submission = factories.submission(checklist_id="banded", answers={"clean": True, "greet": False})
    with write_transaction():
        visit, _ = submit_visit(users["inspector"], checklist, submission, None)
    factories.login(client, users["manager"])
    for path in (f"/visits/{visit.uuid}", "/visits", f"/visits/{visit.uuid}/scorecard"):
        html = client.get(path, headers=ZH).get_data(as_text=True)
        assert "未通过" in html and "评级：合格" in html, path


def test_today_is_the_branches_day_not_the_servers(app, monkeypatch):
    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return datetime(2026, 11, 2, 23, 30, tzinfo=timezone.utc).astimezone(tz)

    monkeypatch.setattr(localtime, "datetime", Clock)
    with app.app_context():
        assert localtime.today() == date(2026, 11, 3)  # 07:30 in Shanghai
        start, end = localtime.day_bounds(date(2026, 11, 3), date(2026, 11, 3))
        assert (start, end) == (datetime(2026, 11, 2, 16, tzinfo=timezone.utc),
                                datetime(2026, 11, 3, 16, tzinfo=timezone.utc))
