"""Photo rules: their messages, the score-based behaviour they keep, and the browser's port."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from inspection.checklists import (
    canonical_json,
    check_answers,
    load_directory,
    load_text,
    photo_problems,
    score,
    visible_items,
)

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")
# Every scored type under on_fail, so that each one's notion of a met standard is compared.
EVERY_TYPE = {
    "id": "every-type", "title": "Every type", "kind": "inspection",
    "sections": [{"id": "main", "title": "Main", "dimension": "tangibles", "items": [
        {"id": "seen", "text": "Seen", "type": "yes_no", "points": 2, "na": True, "photo": "on_fail"},
        {"id": "stars", "text": "Stars", "type": "rating", "scale": 3, "points": 4, "photo": "on_fail"},
        {"id": "pick", "text": "Pick", "type": "choice", "points": 4, "photo": "on_fail", "options": [
            {"value": "good", "label": "Good", "score": 1}, {"value": "fair", "label": "Fair", "score": 0.5},
            {"value": 0, "label": "Zero", "score": 0}]},
        {"id": "temp", "text": "Temperature", "type": "number", "points": 3, "pass": {"min": 18, "max": 26},
         "photo": "on_fail"},
        {"id": "queue", "text": "Queue", "type": "number", "photo": "optional"},
        {"id": "wait", "text": "Wait", "type": "timer", "limit": 30, "points": 3, "photo": "on_fail"},
        {"id": "slips", "text": "Slips", "type": "deduction", "deduct": 2, "points": 5, "photo": "on_fail"},
        {"id": "feel", "text": "Feel", "type": "servqual", "required": False},
        {"id": "clerk", "text": "Clerk", "type": "staff", "photo": "optional", "required": False},
        {"id": "shot", "text": "Shot", "type": "photo", "photo": "required",
         "show_if": {"item": "seen", "equals": False}},
    ]}],
}
# Answers no item accepts, or only some do; no whole floats, which JSON cannot tell from integers.
WILD = [None, "na", "yes", "", -5, 9, 4.5, 17.5, [], {"expectation": 9, "perception": 1}]


def _checklists():
    vectors = json.loads((ROOT / "tests" / "vectors" / "photo-rules.json").read_text(encoding="utf-8"))
    made = [load_text(json.dumps(data), name) for name, data in
            (("vector", vectors["checklist"]), ("every-type", EVERY_TYPE))]
    return made + list(load_directory(ROOT / "checklists").values())


def _valid_values(item) -> list:
    """Return some valid answers to an item, met and unmet standards alike."""
    bounds = item.pass_
    edges = [bounds.min, bounds.max, (bounds.min or 0) - 1, (bounds.max or 0) + 1] if bounds else [0, 12.5]
    return {
        "yes_no": [True, False], "rating": list(range(1, item.rating_scale + 1)),
        "choice": [option.value for option in item.options or []],
        "number": [edge for edge in edges if edge is not None], "timer": [0, item.limit, (item.limit or 0) + 0.5],
        "deduction": [0, 1, 3], "servqual": [{"expectation": 5, "perception": 3}], "text": ["ok"],
        "staff": ["S1"], "photo": [],
    }[item.type]


def _answers(checklist, rng: random.Random, wild: bool) -> dict:
    """Draw answers: valid ones that answer every required item, or anything at all when wild."""
    answers = {}
    for _, item in checklist.items():
        pool = _valid_values(item) + (["na"] if item.na else []) + ([] if item.is_required else [None])
        answers[item.id] = rng.choice(pool + WILD if wild else pool or [None])
    return answers


def _counts(checklist, rng: random.Random) -> dict[str, int]:
    ids = [item.id for _, item in checklist.items()] + ["ghost"]
    return {item_id: rng.randint(0, 2) for item_id in rng.sample(ids, rng.randint(0, len(ids)))}


def _scored_photo_problems(checklist, answers: dict, counts: dict[str, int]) -> list[tuple[str, str]]:
    """Apply the photo rules as they were before, from a score: for valid answers only."""
    result, visible = score(checklist, answers), visible_items(checklist, answers)
    problems = [(item_id, "unknown_item") for item_id in counts if checklist.item(item_id) is None]
    for _, item in checklist.items():
        count, outcome = counts.get(item.id, 0), result.items[item.id]
        counted = item.id in visible if item.type == "photo" else outcome.status != "excluded"
        if item.photo_rule == "never" and count:
            problems.append((item.id, "photo_not_allowed"))
        elif not counted or count:
            continue
        elif item.photo_rule == "required":
            problems.append((item.id, "photo_required"))
        elif item.photo_rule == "on_fail" and outcome.earned < outcome.possible:
            problems.append((item.id, "photo_required_on_fail"))
    return problems


def test_each_problem_says_what_is_wrong():
    checklist = _checklists()[0]
    problems = photo_problems(checklist, {"clean": False, "complaint": True}, {"sign": 1, "ghost": 1})
    assert [(problem.item, problem.code, problem.message) for problem in problems] == [
        ("ghost", "unknown_item", "photos for an item this checklist does not have"),
        ("clean", "photo_required_on_fail", "a photo is required when the standard is not met"),
        ("sign", "photo_not_allowed", "this item takes no photos"),
        ("evidence", "photo_required", "a photo is required"),
    ]


def test_valid_answers_get_what_the_score_based_rules_gave():
    rng = random.Random(11)
    for checklist in _checklists():
        for _ in range(300):
            answers, counts = _answers(checklist, rng, wild=False), _counts(checklist, rng)
            assert check_answers(checklist, answers) == [], answers
            got = [(problem.item, problem.code) for problem in photo_problems(checklist, answers, counts)]
            assert got == _scored_photo_problems(checklist, answers, counts), (checklist.id, answers, counts)


@pytest.mark.skipif(NODE is None and not os.environ.get("CI"), reason="node is not installed")
def test_the_browser_port_gives_the_same_problems():
    rng = random.Random(13)
    batches, expected = [], []
    for checklist in _checklists():
        runs = [{"answers": _answers(checklist, rng, wild=rng.random() < 0.5), "photos": _counts(checklist, rng)}
                for _ in range(300)]
        batches.append({"checklist": json.loads(canonical_json(checklist)), "runs": runs})
        expected.append([[{"item": p.item, "code": p.code, "message": p.message}
                          for p in photo_problems(checklist, run["answers"], run["photos"])] for run in runs])
    assert _browser_photo_problems(batches) == expected


def _browser_photo_problems(batches: list[dict]) -> list:
    assert NODE, "CI needs node to test the browser engine"
    script = (
        f"import {{ photoProblems }} from {json.dumps((ROOT / 'static' / 'js' / 'engine.js').as_uri())};"
        "let input = ''; process.stdin.on('data', (chunk) => { input += chunk; });"
        "process.stdin.on('end', () => process.stdout.write(JSON.stringify(JSON.parse(input).map((batch) =>"
        " batch.runs.map((run) => photoProblems(batch.checklist, run.answers, run.photos))))));"
    )
    run = subprocess.run([NODE, "--input-type=module", "-e", script], input=json.dumps(batches),
                         capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)
