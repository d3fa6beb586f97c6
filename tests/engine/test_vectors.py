"""Run the shared JSON test vectors (tests/vectors/) through the Python engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inspection.checklists import AnswerError, load_text, photo_problems, score

VECTOR_DIR = Path(__file__).resolve().parent.parent / "vectors"
# What a case can check; one without any of these would pass without testing anything.
CHECKS = ("expected", "errors", "photo_problems")


def _cases():
    for path in sorted(VECTOR_DIR.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for case in data["cases"]:
            checklist = {**data["checklist"], **case.get("checklist_changes", {})}
            yield pytest.param(checklist, case, id=f"{path.stem}: {case['name']}")


@pytest.mark.parametrize(("checklist_data", "case"), list(_cases()))
def test_vector(checklist_data, case):
    # JSON is YAML, so the vectors go through the real loader.
    checklist = load_text(json.dumps(checklist_data, ensure_ascii=False), "vector")
    assert any(key in case for key in CHECKS), "the case checks nothing"
    if "photo_problems" in case:
        problems = photo_problems(checklist, case["answers"], case.get("photos", {}))
        assert [{"item": problem.item, "code": problem.code} for problem in problems] == case["photo_problems"]
    if "errors" in case:
        with pytest.raises(AnswerError) as raised:
            score(checklist, case["answers"])
        assert sorted({problem.item for problem in raised.value.problems}) == sorted(case["errors"])
        return
    # Without "errors" the answers must score, even in a case that only checks photos.
    result = score(checklist, case["answers"]).to_dict()
    for key, expected in case.get("expected", {}).items():
        if key == "items":
            for item_id, item_expected in expected.items():
                assert result["items"][item_id] == item_expected, item_id
        else:
            assert result[key] == expected, key


def test_every_vector_file_has_cases():
    files = sorted(VECTOR_DIR.glob("*.json"))
    assert len(files) >= 3
    assert all(json.loads(path.read_text(encoding="utf-8"))["cases"] for path in files)
