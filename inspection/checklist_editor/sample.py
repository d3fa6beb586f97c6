"""A sample answer set for a checklist: every item at its best answer, one chosen item at its worst.

Pure Python over the engine's types: the editor scores it with the engine to preview a checklist's rules.
"""

from __future__ import annotations

import math

from ..checklists import Checklist, Item

SAMPLE_TEXT = "…"
SAMPLE_STAFF = "S001"


def best_answer(item: Item) -> object | None:
    """Return the answer that earns the item's full points (or any valid answer for an unscored item)."""
    if item.type == "yes_no":
        return True
    if item.type == "rating":
        return item.rating_scale
    if item.type == "choice":
        return max(item.options, key=lambda option: option.score).value
    if item.type == "number":
        bounds = item.pass_
        if bounds is None:
            return 0
        return bounds.min if bounds.min is not None else bounds.max
    if item.type == "timer":
        return round(item.limit / 2, 1)
    if item.type == "deduction":
        return 0
    if item.type == "servqual":
        return {"expectation": 7, "perception": 7}
    if item.type == "text":
        return SAMPLE_TEXT
    if item.type == "staff":
        return SAMPLE_STAFF
    return None  # a photo item takes photos, not an answer


def worst_answer(item: Item) -> object | None:
    """Return the answer that earns the item the fewest points."""
    if item.type == "yes_no":
        return False
    if item.type == "rating":
        return 1
    if item.type == "choice":
        return min(item.options, key=lambda option: option.score).value
    if item.type == "number" and item.pass_ is not None:
        bounds = item.pass_
        return bounds.min - 1 if bounds.min is not None else bounds.max + 1
    if item.type == "timer":
        return item.limit * 2 or 1
    if item.type == "deduction":
        return math.ceil((item.points or 0) / item.deduct)
    if item.type == "servqual":
        return {"expectation": 7, "perception": 1}
    return best_answer(item)


def scored_items(checklist: Checklist) -> list[Item]:
    """Return the items that earn points: the ones a sample may set at their worst."""
    return [item for _, item in checklist.items() if item.scored]


def default_worst(checklist: Checklist) -> str | None:
    """Return the item the sample sets at its worst unless told otherwise: the first one that earns points."""
    scored = scored_items(checklist)
    return scored[0].id if scored else None


def sample_answers(checklist: Checklist, worst: str | None) -> dict[str, object]:
    """Return every item's best answer, and the worst answer for the item `worst` (if it earns points)."""
    answers = {}
    for _, item in checklist.items():
        value = worst_answer(item) if item.id == worst and item.scored else best_answer(item)
        if value is not None:
            answers[item.id] = value
    return answers
