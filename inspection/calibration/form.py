"""The evaluator's form, sent without script: its fields read into the engine's answers, and answers written back.

Fields are named as on the visit form: `answer.<item>` (and `answer.<item>.expectation|perception` for SERVQUAL),
`na.<item>` for not applicable where an item has no answer button of its own.
"""

from __future__ import annotations

from ..checklists import Checklist, visible_items
from ..checklists.answers import NA
from ..checklists.fields import field_value, whole

CHOICE_TYPES = frozenset({"yes_no", "rating", "choice"})
SERVQUAL_PARTS = ("expectation", "perception")


def read_answers(checklist: Checklist, form) -> dict:
    """Return the answers a sent form holds; what cannot be read is passed on for the engine to name.

    The page shows every item (no script hides one), so answers to items that show_if hides are dropped.
    """
    answers: dict = {}
    for _, item in checklist.items():
        if form.get(f"na.{item.id}") == "yes":
            answers[item.id] = NA
        elif item.type == "servqual":
            parts = {part: form.get(f"answer.{item.id}.{part}", "").strip() for part in SERVQUAL_PARTS}
            if any(parts.values()):
                answers[item.id] = {part: whole(raw) for part, raw in parts.items() if raw}
        elif item.type != "photo":
            raw = form.get(f"answer.{item.id}", "").strip()
            if raw:
                answers[item.id] = field_value(item, raw)
    shown = visible_items(checklist, answers)
    return {item_id: value for item_id, value in answers.items() if item_id in shown}


def _text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def form_values(checklist: Checklist, answers: dict) -> dict[str, str]:
    """Return the form's field values for stored answers, so that an evaluator changes what they sent."""
    values = {}
    for item_id, value in answers.items():
        item = checklist.item(item_id)
        if item is None:
            continue
        if value == NA and item.type not in CHOICE_TYPES:
            values[f"na.{item_id}"] = "yes"
        elif isinstance(value, dict):
            values.update({f"answer.{item_id}.{part}": _text(score) for part, score in value.items()})
        else:
            values[f"answer.{item_id}"] = _text(value)
    return values
