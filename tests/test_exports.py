"""Exports of visits and answers: headers in the user's language or as stable ids, local days and times,
real XLSX dates, readable values (rounded scores, yes/no, item texts, staff names), scope and filters."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta, timezone
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook

from inspection.exports.services import ANSWER_COLUMNS, VISIT_COLUMNS
from inspection.extensions import db
from inspection.review.services import review
from inspection.visits.services import submit_visit

from . import factories

# Three scored items of one point: two of three met is a score of 66.666…, shown 66.7.
CHECKLIST = """\
id: export
title: 导出检查表
kind: inspection
sections:
  - id: front
    title: 前台接待
    items:
      - {id: clerk, text: 接待员工, type: staff}
      - {id: greet, text: 微笑问候, type: yes_no, points: 1}
      - {id: seat, text: 主动让座, type: yes_no, points: 1}
      - {id: hand, text: 双手递物, type: yes_no, points: 1}
  - id: hall
    title: 大厅
    items:
      - {id: mood, text: 整体氛围, type: rating}
      - {id: remark, text: 其他意见, type: text}
"""
# 23:30 UTC on 2 November is 07:30 on 3 November in Asia/Shanghai.
LATE = datetime(2026, 11, 2, 23, 30, tzinfo=timezone.utc)
DAY = "from=2026-11-03&to=2026-11-03"
NOVEMBER = "from=2026-11-01&to=2026-11-30"
ZH_VISIT_HEADER = ["检查编号", "完成时间", "营业厅编码", "营业厅", "区域", "检查表编号", "检查表", "检查表版本", "状态",
                   "得分", "是否通过", "评级", "关键项不达标", "被检查员工", "各部分得分"]
EN_VISIT_HEADER = ["Visit id", "Finished at", "Branch code", "Branch", "Region", "Checklist id", "Checklist",
                   "Checklist version", "Status", "Score", "Pass or fail", "Rating", "Critical failures",
                   "Staff observed", "Section scores"]
EN_ANSWER_HEADER = ["Visit id", "Finished at", "Branch code", "Branch", "Checklist id", "Checklist",
                    "Checklist version", "Section", "Item id", "Item", "Answer", "Note", "Points earned",
                    "Points possible", "Staff observed"]


@pytest.fixture
def late_visit(app, org, users):
    """A released visit of E1 finished at 23:30 UTC on 2 November, with a remark that looks like a formula."""
    app.config.update(CHECKLIST_DIR=str(factories.FIXTURES), TIMEZONE="Asia/Shanghai")
    checklist = factories.load_text(CHECKLIST)
    answers = {"clerk": "E1-S1", "greet": True, "seat": True, "hand": False, "mood": 4, "remark": "=1+2"}
    sub = factories.submission(checklist_id="export", answers=answers, notes={"hand": "@SUM(A1)"},
                               started_at=LATE - timedelta(minutes=25), finished_at=LATE)
    visit, _ = submit_visit(users["inspector"], checklist, sub)
    review(users["manager"], visit, "release")
    db.session.commit()
    return visit


def _csv(client, path: str) -> list[list[str]]:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # so that Excel reads the Chinese text as UTF-8
    return list(csv.reader(io.StringIO(text[1:])))


def _xlsx(client, path: str) -> list[list]:
    response = client.get(path)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    response.close()
    return [list(row) for row in sheet.iter_rows()]


def _by_column(rows: list[list], columns: dict) -> list[dict]:
    return [dict(zip(columns, row, strict=True)) for row in rows[1:]]


def _english(client) -> None:
    assert client.post("/language", data={"locale": "en"}).status_code == 302


def test_headers_are_in_chinese_by_default_and_in_the_users_language(client, users, late_visit):
    factories.login(client, users["manager"])
    assert _csv(client, f"/exports/visits.csv?{DAY}")[0] == ZH_VISIT_HEADER
    assert [cell.value for cell in _xlsx(client, f"/exports/visits.xlsx?{DAY}")[0]] == ZH_VISIT_HEADER
    assert _csv(client, f"/exports/answers.csv?{DAY}")[0][7:11] == ["部分", "检查项编号", "检查项", "答案"]
    _english(client)
    assert _csv(client, f"/exports/visits.csv?{DAY}")[0] == EN_VISIT_HEADER
    assert [cell.value for cell in _xlsx(client, f"/exports/answers.xlsx?{DAY}")[0]] == EN_ANSWER_HEADER


def test_the_machine_header_keeps_column_ids_and_plain_values(client, users, late_visit):
    factories.login(client, users["manager"])
    _english(client)  # the machine form does not depend on the language
    rows = _csv(client, f"/exports/visits.csv?{DAY}&header=ids")
    assert rows[0] == list(VISIT_COLUMNS)
    assert rows[0][:3] == ["visit", "finished_at", "branch"]  # the columns integrations already read
    [visit] = _by_column(rows, VISIT_COLUMNS)
    assert (visit["visit"], visit["status"], visit["passed"]) == (str(late_visit.uuid), "released", "false")
    assert visit["finished_at"] == "2026-11-03T07:30:00+08:00"  # ISO 8601, local, with its offset
    # Scores as stored, unrounded: the visit's own score and the result's section scores.
    assert (visit["score"], visit["staff"], visit["sections"]) == ("66.66666666666667", "E1-S1", "front=66.67; hall=")
    answers = {row["item"]: row for row in _by_column(_csv(client, f"/exports/answers.csv?{DAY}&header=ids"),
                                                       ANSWER_COLUMNS)}
    assert (answers["greet"]["answer"], answers["hand"]["answer"], answers["mood"]["answer"]) == ("true", "false", "4")
    assert answers["greet"]["item_text"] == "微笑问候"
    sheet = _xlsx(client, f"/exports/visits.xlsx?{DAY}&header=ids")
    assert [cell.value for cell in sheet[0]] == list(VISIT_COLUMNS)
    assert sheet[1][list(VISIT_COLUMNS).index("passed")].value is False  # a real boolean cell
    assert client.get(f"/exports/visits.csv?{DAY}&header=names").status_code == 400


def test_a_visit_late_in_the_utc_evening_belongs_to_the_next_local_day(client, users, late_visit):
    factories.login(client, users["manager"])
    assert len(_csv(client, f"/exports/visits.csv?{DAY}")) == 2
    assert len(_csv(client, "/exports/visits.csv?from=2026-11-02&to=2026-11-02")) == 1  # the header alone
    assert len(_csv(client, "/exports/answers.csv?from=2026-11-02&to=2026-11-02")) == 1
    [visit] = _by_column(_csv(client, f"/exports/visits.csv?{DAY}"), VISIT_COLUMNS)
    assert visit["finished_at"] == "2026-11-03 07:30"
    answers = _by_column(_csv(client, f"/exports/answers.csv?{DAY}"), ANSWER_COLUMNS)
    assert {row["finished_at"] for row in answers} == {"2026-11-03 07:30"}


def test_xlsx_cells_hold_real_local_datetimes(client, users, late_visit):
    factories.login(client, users["manager"])
    for kind in ("visits", "answers"):
        sheet = _xlsx(client, f"/exports/{kind}.xlsx?{DAY}")
        cell = sheet[1][1]
        assert cell.value == datetime(2026, 11, 3, 7, 30)  # wall-clock time where the branches are
        assert cell.is_date and cell.number_format == "yyyy-mm-dd hh:mm"


def test_readable_values_rounded_translated_and_named(client, users, late_visit):
    factories.login(client, users["manager"])
    [visit] = _by_column(_csv(client, f"/exports/visits.csv?{DAY}"), VISIT_COLUMNS)
    assert (visit["branch"], visit["branch_name"], visit["region"]) == ("E1", "Branch E1", "East")
    assert (visit["checklist"], visit["checklist_title"]) == ("export", "导出检查表")
    assert visit["version"] == late_visit.checklist_version[:12]
    assert (visit["status"], visit["score"], visit["passed"]) == ("已发布", "66.7", "否")
    assert visit["staff"] == "E1-S1 Staff E1-1"
    assert visit["sections"] == "前台接待 66.7; 大厅 —"
    rows = _by_column(_csv(client, f"/exports/answers.csv?{DAY}"), ANSWER_COLUMNS)
    assert [row["item"] for row in rows] == ["clerk", "greet", "seat", "hand", "mood", "remark"]  # checklist order
    answers = {row["item"]: row for row in rows}
    assert (answers["greet"]["section_title"], answers["greet"]["item_text"]) == ("前台接待", "微笑问候")
    assert (answers["greet"]["answer"], answers["hand"]["answer"]) == ("达标", "不达标")  # as the visit page says
    assert answers["clerk"]["answer"] == "E1-S1 Staff E1-1"
    assert answers["mood"]["answer"] == "4 / 5"
    assert (answers["greet"]["earned"], answers["greet"]["possible"]) == ("1.0", "1.0")
    assert (answers["mood"]["earned"], answers["mood"]["possible"]) == ("", "")  # not scored: no points
    assert answers["hand"]["staff"] == "E1-S1 Staff E1-1" and answers["mood"]["staff"] == ""
    _english(client)
    [visit] = _by_column(_csv(client, f"/exports/visits.csv?{DAY}"), VISIT_COLUMNS)
    assert (visit["status"], visit["passed"]) == ("Released", "No")
    answers = {row["item"]: row for row in _by_column(_csv(client, f"/exports/answers.csv?{DAY}"), ANSWER_COLUMNS)}
    assert answers["greet"]["answer"] == "Met"
    sheet = _xlsx(client, f"/exports/visits.xlsx?{DAY}")
    assert sheet[1][list(VISIT_COLUMNS).index("score")].value == 66.7


def test_formulas_stay_text_in_the_readable_form(client, users, late_visit):
    factories.login(client, users["manager"])
    answers = {row["item"]: row for row in _by_column(_csv(client, f"/exports/answers.csv?{DAY}"), ANSWER_COLUMNS)}
    assert answers["remark"]["answer"] == "'=1+2" and answers["hand"]["note"] == "'@SUM(A1)"
    cells = [cell for row in _xlsx(client, f"/exports/answers.xlsx?{DAY}") for cell in row
             if isinstance(cell.value, str) and cell.value.endswith(("=1+2", "@SUM(A1)"))]
    assert [cell.value for cell in cells] == ["'@SUM(A1)", "'=1+2"] and all(cell.data_type == "s" for cell in cells)


def test_exports_are_scoped_as_before(app, client, users, late_visit):
    shop, _ = submit_visit(users["shopper"], factories.small_checklist("mystery_shop"),
                           factories.submission(finished_at=LATE, started_at=LATE - timedelta(minutes=9)))
    db.session.commit()
    west = factories.make_user("manager", regions=("West",))
    db.session.commit()
    seen = {}
    for name, user in (("manager", users["manager"]), ("inspector", users["inspector"]),
                       ("shopper", users["shopper"]), ("west", west), ("admin", users["admin"])):
        factories.login(client, user)
        seen[name] = {row[0] for row in _csv(client, f"/exports/visits.csv?{DAY}&header=ids")[1:]}
        answers = {row[0] for row in _csv(client, f"/exports/answers.csv?{DAY}&header=ids")[1:]}
        assert answers == seen[name], name
        client.post("/logout")
    inspection, mystery = str(late_visit.uuid), str(shop.uuid)
    assert seen == {"manager": {inspection, mystery}, "inspector": {inspection}, "shopper": {mystery},
                    "west": set(), "admin": {inspection, mystery}}
    assert client.get(f"/exports/visits.csv?{DAY}").status_code == 302  # signed out: to the sign-in page


def test_filters_narrow_the_export_and_only_reviewers_pick_a_submitter(client, users, late_visit):
    other = factories.submission(branch="E2", finished_at=LATE + timedelta(hours=1),
                                 started_at=LATE + timedelta(minutes=40))
    submit_visit(users["admin"], factories.small_checklist(), other)
    db.session.commit()
    factories.login(client, users["manager"])
    assert len(_csv(client, f"/exports/visits.csv?{DAY}")) == 3
    assert [row[2] for row in _csv(client, f"/exports/visits.csv?{DAY}&branch=E2")[1:]] == ["E2"]
    assert [row[2] for row in _csv(client, f"/exports/visits.csv?{DAY}&status=released")[1:]] == ["E1"]
    by_inspector = _csv(client, f"/exports/answers.csv?{DAY}&submitter={users['inspector'].id}&header=ids")
    assert {row[0] for row in by_inspector[1:]} == {str(late_visit.uuid)}
    assert client.get(f"/exports/visits.csv?{DAY}&submitter=x").status_code == 400
    client.post("/logout")
    factories.login(client, users["inspector"])  # not a reviewer: the filter is ignored, as in the inbox
    assert len(_csv(client, f"/exports/visits.csv?{DAY}&submitter={users['admin'].id}")) == 3


def test_the_visit_list_links_to_both_exports_with_its_filters(client, users, late_visit):
    factories.login(client, users["manager"])
    page = client.get(f"/visits?{NOVEMBER}&branch=E1&status=released&sort=oldest").get_data(as_text=True)
    links = [unescape(href) for href in re.findall(r'href="(/exports/[^"]+)"', page)]
    assert sorted(urlsplit(link).path for link in links) == [
        "/exports/answers.csv", "/exports/answers.xlsx", "/exports/visits.csv", "/exports/visits.xlsx"]
    for link in links:
        assert parse_qs(urlsplit(link).query) == {"from": ["2026-11-01"], "to": ["2026-11-30"], "branch": ["E1"],
                                                  "status": ["released"]}
        response = client.get(link)
        assert response.status_code == 200
        response.close()
