"""Command-line tools: checklists, imports, users, database and demo data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from inspection.auth.models import User
from inspection.extensions import db
from inspection.org.models import Branch, Staff
from inspection.visits.models import ChecklistVersion, StaffResult, Visit

CHECKLIST_DIR = Path(__file__).resolve().parent.parent / "checklists"


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# -- checklist validate / score -------------------------------------------------------------

def test_validate_shipped_checklists(runner):
    result = runner.invoke(args=["checklist", "validate", *sorted(map(str, CHECKLIST_DIR.glob("*.yaml")))])
    assert result.exit_code == 0, result.output
    assert "ok branch-inspection" in result.output


def test_validate_defaults_to_the_checklist_folder(runner):
    result = runner.invoke(args=["checklist", "validate"])
    assert result.exit_code == 0
    assert result.output.count("\nok ") + result.output.startswith("ok ") == 4


def test_validate_broken_files_exit_1_with_path_line_messages(runner, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: x\ntitle: T\nkind: inspection\nsections:\n  - id: s\n    title: S\n"
                      "    items:\n      - {id: a, text: A, type: timer, points: 5}\n", encoding="utf-8")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("a: &a [1, 2]\nb: [*a, *a]\n", encoding="utf-8")
    binary = tmp_path / "binary.yaml"
    binary.write_bytes(b"\xff\xfe\x00garbage")
    result = runner.invoke(args=["checklist", "validate", str(broken), str(bomb), str(binary)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert f"{broken}:8: item 'a': type timer needs 'limit'" in lines
    assert f"{bomb}:1: YAML anchors are not allowed (&a)" in lines
    assert f"{binary}:1: file is not UTF-8 text (byte 0)" in lines
    assert "Traceback" not in result.output


def _write_answers(tmp_path, answers) -> str:
    path = tmp_path / "answers.json"
    path.write_text(json.dumps({"answers": answers}), encoding="utf-8")
    return str(path)


def test_score_prints_the_result_json(runner, tmp_path):
    answers = {"agent": "S001", "call-ref": "R1", "rings": 2, "first-words": 0, "closing-words": 1,
               "standard-phrases": 0, "pace-tone": 0, "attention-patience": 0, "forbidden-phrases": 0,
               "resolver": "S001", "answer-correct": True, "first-call-resolved": True, "needs-callback": False}
    result = runner.invoke(args=["checklist", "score", str(CHECKLIST_DIR / "call-qc.yaml"),
                                 _write_answers(tmp_path, answers)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    # 110 possible (the callback item is hidden), 2 deducted once: 108 / 110.
    assert data["score"] == 98.18
    assert data["passed"] is True
    assert data["rating"] == "优秀"
    assert data["staff"]["S001"] == {"score": 98.18, "earned": 108.0, "possible": 110.0}
    assert len(data["version"]) == 64


def test_score_bad_answers_exit_1_naming_each_item(runner, tmp_path):
    answers = {"rings": "three", "first-words": -1, "nope": 1}
    result = runner.invoke(args=["checklist", "score", str(CHECKLIST_DIR / "call-qc.yaml"),
                                 _write_answers(tmp_path, answers)])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert "nope: no such item in this checklist" in lines
    assert "rings: expected a number, got 'three'" in lines
    assert any(line.startswith("first-words: expected a count") for line in lines)
    assert "answer-correct: an answer is required" in lines


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "answers.json:1: invalid JSON"),
    ('{"answer": {}}', 'answers.json:1: expected {"answers"'),
])
def test_score_unreadable_answers_file(runner, tmp_path, content, message):
    path = tmp_path / "answers.json"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["checklist", "score", str(CHECKLIST_DIR / "call-qc.yaml"), str(path)])
    assert result.exit_code == 1
    assert message in result.output


# -- imports -------------------------------------------------------------------------------

def _csv(tmp_path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8-sig"))
    return str(path)


def test_import_branches_then_staff_upserts_by_code(runner, tmp_path):
    branches = _csv(tmp_path, "b.csv", "code,name,region,address\nB1,一号厅,华东区,路1号\nB2,二号厅,华南区,\n")
    result = runner.invoke(args=["import", "branches", branches])
    assert result.exit_code == 0, result.output
    assert "created 2, updated 0, unchanged 0" in result.output
    again = _csv(tmp_path, "b2.csv", "code,name,region,address\nB1,一号厅（新）,华东区,路1号\nB2,二号厅,华南区,\n")
    result = runner.invoke(args=["import", "branches", again])
    assert "created 0, updated 1, unchanged 1" in result.output
    assert db.session.scalar(select(Branch.name).where(Branch.code == "B1")) == "一号厅（新）"
    staff = _csv(tmp_path, "s.csv", "code,name,branch,position\nS1,张伟,B1,营业员\nS2,李娜,B2,大堂经理\n")
    result = runner.invoke(args=["import", "staff", staff])
    assert result.exit_code == 0, result.output
    assert count(Staff) == 2


def test_import_is_all_or_nothing_and_names_lines(runner, tmp_path):
    runner.invoke(args=["import", "branches", _csv(tmp_path, "b.csv", "code,name,region,address\nB1,一号厅,华东区,\n")])
    staff = _csv(tmp_path, "s.csv", "code,name,branch,position\nS1,张伟,B1,营业员\nS2,李娜,B9,营业员\n"
                 "S3,,B1,营业员\nS1,重复,B1,营业员\nS4,王强\n")
    result = runner.invoke(args=["import", "staff", staff])
    assert result.exit_code == 1
    assert f"{staff}:3: rejected: unknown branch 'B9'" in result.output
    assert f"{staff}:4: rejected: 'name' is empty" in result.output
    assert f"{staff}:5: rejected: code 'S1' appears twice in the file" in result.output
    assert f"{staff}:6: rejected: expected 4 columns" in result.output
    assert "nothing imported: 4 row(s) rejected" in result.output
    assert count(Staff) == 0


def test_import_refuses_a_wrong_header(runner, tmp_path):
    result = runner.invoke(args=["import", "branches", _csv(tmp_path, "b.csv", "code,title\nB1,x\n")])
    assert result.exit_code == 1
    assert ":1: rejected: the header must be code,name,region,address, got code,title" in result.output
    assert count(Branch) == 0


# -- users, database, demo -----------------------------------------------------------------

def test_user_add_with_scope(runner, org):
    result = runner.invoke(args=["user", "add", "Lee@Example.com", "--name", "李质检", "--role", "inspector",
                                 "--branch", "E1", "--region", "West", "--password", "Lanmao-qiuqiu-88"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.email == "lee@example.com"))
    assert [b.code for b in user.branches] == ["E1"]
    assert user.regions == ["West"]
    assert user.password_hash.startswith("$argon2id$")


@pytest.mark.parametrize(("args", "message"), [
    (["--role", "inspector", "--branch", "ZZ"], "unknown branch code(s): ZZ"),
    (["--role", "boss"], "Invalid value for '--role'"),
])
def test_user_add_refuses_bad_input(runner, org, args, message):
    result = runner.invoke(args=["user", "add", "a@example.com", "--name", "A", "--password", "Lanmao-qiuqiu-88",
                                 *args])
    assert result.exit_code != 0
    assert message in result.output
    assert count(User) == 0


def test_user_add_prompts_for_a_hidden_password(runner):
    result = runner.invoke(args=["user", "add", "p@example.com", "--name", "P", "--role", "admin"],
                           input="Qiuqiu-lanmao-77\nQiuqiu-lanmao-77\n")
    assert result.exit_code == 0, result.output
    assert "Qiuqiu-lanmao-77" not in result.output


def test_init_db_is_idempotent(runner):
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0, result.output
        assert "database is up to date" in result.output


def test_demo_loads_once(runner):
    first = runner.invoke(args=["demo", "--months", "1"])
    assert first.exit_code == 0, first.output
    assert "manager@example.com" in first.output
    counts = [count(model) for model in (User, Branch, Staff, Visit, StaffResult, ChecklistVersion)]
    assert counts[:3] == [5, 10, 60] and "branch@example.com" in first.output
    assert counts[3] > 20 and counts[4] > counts[3] and counts[5] == 4
    second = runner.invoke(args=["demo"])
    assert "already loaded" in second.output
    assert [count(model) for model in (User, Branch, Staff, Visit, StaffResult, ChecklistVersion)] == counts


def test_migrations_match_the_models(runner):
    result = runner.invoke(args=["db", "check"])
    assert result.exit_code == 0, result.output
