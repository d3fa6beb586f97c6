"""Photo rules of items, checked when a visit with its photos is submitted."""

from __future__ import annotations

from .answers import AnswerProblem, visible_items
from .model import Checklist
from .scoring import Result


def photo_problems(checklist: Checklist, answers: dict, result: Result,
                   counts: dict[str, int]) -> list[AnswerProblem]:
    """Return every breach of the items' photo rules, given how many photos each item has."""
    problems = [AnswerProblem(item_id, "photos for an item this checklist does not have", "unknown_item")
                for item_id in counts if checklist.item(item_id) is None]
    visible = visible_items(checklist, answers)
    for _, item in checklist.items():
        count, rule, outcome = counts.get(item.id, 0), item.photo_rule, result.items[item.id]
        # A photo item has no answer of its own: it counts whenever it is shown.
        counted = item.id in visible if item.type == "photo" else outcome.status != "excluded"
        if rule == "never" and count:
            problems.append(AnswerProblem(item.id, "this item takes no photos", "photo_not_allowed"))
        elif not counted:
            continue
        elif rule == "required" and not count:
            problems.append(AnswerProblem(item.id, "a photo is required", "photo_required"))
        elif rule == "on_fail" and not count and outcome.earned < outcome.possible:
            problems.append(AnswerProblem(item.id, "a photo is required when the standard is not met",
                                          "photo_required_on_fail"))
    return problems
