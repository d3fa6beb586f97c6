"""Run the shared JSON test vectors (tests/vectors/) through the Python engine."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from inspection.checklists import AnswerError, load_text, score

VECTOR_DIR = Path(__file__).resolve().parent.parent / "vectors"


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
    if "errors" in case:
        with pytest.raises(AnswerError) as raised:
            score(checklist, case["answers"])
        assert sorted({problem.item for problem in raised.value.problems}) == sorted(case["errors"])
        return
    result = score(checklist, case["answers"]).to_dict()
    for key, expected in case["expected"].items():
        if key == "items":
            for item_id, item_expected in expected.items():
                assert result["items"][item_id] == item_expected, item_id
        else:
            assert result[key] == expected, key


def test_every_vector_file_has_cases():
    files = sorted(VECTOR_DIR.glob("*.json"))
    assert len(files) >= 3
    assert all(json.loads(path.read_text(encoding="utf-8"))["cases"] for path in files)
