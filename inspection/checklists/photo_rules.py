"""Photo rules of items, checked when a visit with its photos is submitted."""

from __future__ import annotations

from .answers import NA, AnswerProblem, value_problem, visible_items
from .model import Checklist, Item, Section
from .scoring import score_item


def photo_problems(checklist: Checklist, answers: dict, counts: dict[str, int]) -> list[AnswerProblem]:
    """Return every breach of the items' photo rules, given how many photos each item has."""
    # Needs no score, so that a submission with bad or missing answers gets every problem in one pass.
    problems = [AnswerProblem(item_id, "photos for an item this checklist does not have", "unknown_item")
                for item_id in counts if checklist.item(item_id) is None]
    visible = visible_items(checklist, answers)
    for section, item in checklist.items():
        count, rule, value = counts.get(item.id, 0), item.photo_rule, answers.get(item.id)
        if rule == "never" and count:
            problems.append(AnswerProblem(item.id, "this item takes no photos", "photo_not_allowed"))
        elif count or item.id not in visible or not _counted(item, value):
            continue
        elif rule == "required":
            problems.append(AnswerProblem(item.id, "a photo is required", "photo_required"))
        elif rule == "on_fail" and _falls_short(section, item, value):
            problems.append(AnswerProblem(item.id, "a photo is required when the standard is not met",
                                          "photo_required_on_fail"))
    return problems


def _counted(item: Item, value: object) -> bool:
    """Tell whether a shown item's answer counts: given, applicable and valid."""
    # A photo item has no answer of its own: it counts whenever it is shown.
    if item.type == "photo":
        return True
    if value is None or (isinstance(value, str) and value == NA):
        return False
    # An invalid answer is reported by check_answers; judging it against its standard would guess.
    return value_problem(item, value) is None


def _falls_short(section: Section, item: Item, value: object) -> bool:
    """Tell whether a counted answer earns less than the item's full points."""
    outcome = score_item(item, value, section.id)
    return outcome.status == "scored" and outcome.earned < outcome.possible
