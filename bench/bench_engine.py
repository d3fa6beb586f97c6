"""Checklist engine: loading against plain YAML parsing, scoring against a bare points sum."""

import random
from pathlib import Path

import yaml

from inspection.checklists import load_file, score
from inspection.demo.services import fake_answers

from timing import best_of, report

CHECKLIST = Path(__file__).resolve().parent.parent / "checklists" / "branch-inspection.yaml"


def bare_sum(checklist, answers) -> float:
    """The floor: add up points of true answers with no validation or rules."""
    return sum(item.points or 0 for _, item in checklist.items() if answers.get(item.id) is True)


def main() -> None:
    text = CHECKLIST.read_text(encoding="utf-8")
    floor = best_of(lambda: yaml.safe_load(text), number=20)
    report("load + validate checklist", best_of(lambda: load_file(CHECKLIST), number=20), floor, "yaml.safe_load")
    checklist = load_file(CHECKLIST)
    answers = fake_answers(checklist, ["S001", "S002"], 0.8, random.Random(1))
    floor = best_of(lambda: bare_sum(checklist, answers), number=2000)
    report("score one visit", best_of(lambda: score(checklist, answers), number=2000), floor, "bare points sum")
