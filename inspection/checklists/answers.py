"""Check answers against a checklist and work out which items are shown."""

from __future__ import annotations

import math
from dataclasses import dataclass

from .model import Checklist, Item

NA = "na"
# Larger numbers are typing errors or probes; they would also overflow floats when printed.
MAX_NUMBER = 1e15


@dataclass(frozen=True)
class AnswerProblem:
    item: str
    message: str
    # A stable name for the kind of problem, so that a user interface can say it in its language.
    code: str = "invalid"

    def __str__(self) -> str:
        return f"{self.item}: {self.message}"


class AnswerError(ValueError):
    """Answers that cannot be scored; `problems` names each item at fault."""

    def __init__(self, problems: list[AnswerProblem]):
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


def same_value(left: object, right: object) -> bool:
    """Compare answers without letting true equal 1."""
    return type(left) is type(right) and left == right


def visible_items(checklist: Checklist, answers: dict) -> set[str]:
    """Return the ids of the items that show_if does not hide."""
    visible: set[str] = set()
    for _, item in checklist.items():
        condition = item.show_if
        if condition is None or (
            condition.item in visible and same_value(answers.get(condition.item), condition.equals)
        ):
            visible.add(item.id)
    return visible


def check_answers(checklist: Checklist, answers: object) -> list[AnswerProblem]:
    """Return every problem with the answers: unknown items, bad values, missing ones."""
    if not isinstance(answers, dict):
        return [AnswerProblem("answers", "must be an object of item ids to answers", "not_an_object")]
    problems = [
        AnswerProblem(str(item_id), "no such item in this checklist", "unknown_item")
        for item_id in answers
        if checklist.item(item_id) is None
    ]
    visible = visible_items(checklist, answers)
    for _, item in checklist.items():
        value = answers.get(item.id)
        if value is None:
            if item.is_required and item.id in visible:
                problems.append(AnswerProblem(item.id, "an answer is required", "required"))
            continue
        message = value_problem(item, value)
        if message:
            code = "na_not_allowed" if value == NA and isinstance(value, str) else "invalid"
            problems.append(AnswerProblem(item.id, message, code))
    return problems


def value_problem(item: Item, value: object) -> str | None:
    """Describe what is wrong with one answer, or return None if it is fine."""
    if value == NA and isinstance(value, str):
        return None if item.na else "not applicable is not allowed for this item"
    return _TYPE_CHECKS[item.type](item, value)


def _is_number(value: object) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return (not isinstance(value, float) or math.isfinite(value)) and abs(value) <= MAX_NUMBER


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_NUMBER


def _yes_no(item: Item, value: object) -> str | None:
    return None if isinstance(value, bool) else f"expected true or false, got {value!r}"


def _rating(item: Item, value: object) -> str | None:
    if _is_count(value) and 1 <= value <= item.rating_scale:
        return None
    return f"expected a whole number from 1 to {item.rating_scale}, got {value!r}"


def _choice(item: Item, value: object) -> str | None:
    if any(same_value(option.value, value) for option in item.options):
        return None
    allowed = ", ".join(repr(option.value) for option in item.options)
    return f"expected one of {allowed}, got {value!r}"


def _number(item: Item, value: object) -> str | None:
    return None if _is_number(value) else f"expected a number, got {value!r}"


def _timer(item: Item, value: object) -> str | None:
    if _is_number(value) and value >= 0:
        return None
    return f"expected seconds (a number of 0 or more), got {value!r}"


def _deduction(item: Item, value: object) -> str | None:
    if _is_count(value) and value >= 0:
        return None
    return f"expected a count of occurrences (a whole number of 0 or more), got {value!r}"


def _servqual(item: Item, value: object) -> str | None:
    if isinstance(value, dict) and set(value) == {"expectation", "perception"}:
        if all(_is_count(score) and 1 <= score <= 7 for score in value.values()):
            return None
    return f"expected {{\"expectation\": 1..7, \"perception\": 1..7}}, got {value!r}"


def _text(item: Item, value: object) -> str | None:
    return None if isinstance(value, str) else f"expected text, got {value!r}"


def _photo(item: Item, value: object) -> str | None:
    return "a photo item takes photos, not an answer"


def _staff(item: Item, value: object) -> str | None:
    if isinstance(value, str) and value.strip():
        return None
    return f"expected a staff member's code, got {value!r}"


_TYPE_CHECKS = {
    "yes_no": _yes_no,
    "rating": _rating,
    "choice": _choice,
    "number": _number,
    "timer": _timer,
    "deduction": _deduction,
    "servqual": _servqual,
    "text": _text,
    "photo": _photo,
    "staff": _staff,
}
