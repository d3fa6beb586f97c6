"""The browser's engine (static/js/engine.js) agrees with the Python engine."""

from __future__ import annotations

import json
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from inspection.checklists import canonical_json, check_answers, load_directory, score
from inspection.demo.services import fake_answers

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")

pytestmark = pytest.mark.skipif(NODE is None and not os.environ.get("CI"), reason="node is not installed")


def _node(script: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    assert NODE, "CI needs node to test the browser engine"
    return subprocess.run([NODE, str(ROOT / "tests" / "js" / script)], input=stdin, capture_output=True,
                          text=True, timeout=60, check=False)


def test_js_engine_passes_the_shared_vectors():
    run = _node("run_vectors.mjs")
    assert run.returncode == 0, run.stdout + run.stderr
    assert " passed, 0 failed" in run.stdout


def test_js_engine_matches_python_on_the_shipped_checklists():
    rng = random.Random(7)
    cases, expected = [], []
    for checklist in load_directory(ROOT / "checklists").values():
        for quality in (0.2, 0.6, 0.95) * 5:
            answers = fake_answers(checklist, ["S1", "S2", "S3"], quality, rng)
            cases.append({"checklist": json.loads(canonical_json(checklist)), "answers": answers})
            result = score(checklist, answers).to_dict()
            del result["version"]
            expected.append(result)
    run = _node("score_stdin.mjs", json.dumps(cases))
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == expected


def test_js_engine_reports_answer_problems_with_the_server_codes():
    """The form shows problems before sending by the same codes as the server: they must not drift."""
    rng = random.Random(5)
    wild = [None, "na", "yes", "", -5, 3, 4.5, 10**16, True, [], {"expectation": 9}]
    cases, expected = [], []
    for checklist in load_directory(ROOT / "checklists").values():
        for _ in range(60):
            answers = fake_answers(checklist, ["S1"], 0.5, rng)
            for item_id in rng.sample(sorted(answers), min(3, len(answers))):
                answers[item_id] = rng.choice(wild)
            answers = {key: value for key, value in answers.items() if value is not None}
            if rng.random() < 0.2:
                answers["ghost"] = 1
            cases.append({"checklist": json.loads(canonical_json(checklist)), "answers": answers})
            expected.append(sorted((p.item, p.code) for p in check_answers(checklist, answers)))
    script = (f"import {{ checkAnswers }} from {json.dumps((ROOT / 'static' / 'js' / 'engine.js').as_uri())};"
              "let input = ''; process.stdin.on('data', (chunk) => { input += chunk; });"
              "process.stdin.on('end', () => process.stdout.write(JSON.stringify(JSON.parse(input).map((c) =>"
              " checkAnswers(c.checklist, c.answers).map((p) => [p.item, p.code])))));")
    assert NODE, "CI needs node to test the browser engine"
    run = subprocess.run([NODE, "--input-type=module", "-e", script], input=json.dumps(cases),
                         capture_output=True, text=True, timeout=60, check=False)
    assert run.returncode == 0, run.stderr
    assert [sorted(map(tuple, got)) for got in json.loads(run.stdout)] == expected
