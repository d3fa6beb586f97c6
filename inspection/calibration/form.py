"""The evaluator's form, sent without script: its fields read into the engine's answers, and answers written back.

Fields are named as on the visit form: `answer.<item>` (and `answer.<item>.expectation|perception` for SERVQUAL),
`na.<item>` for not applicable where an item has no answer button of its own.
"""

from __future__ import annotations

from ..checklists import Checklist, Item, visible_items
from ..checklists.answers import NA

CHOICE_TYPES = frozenset({"yes_no", "rating", "choice"})
SERVQUAL_PARTS = ("expectation", "perception")


def _whole(raw: str):
    """Return a whole number typed as digits, else the text itself (which the engine then refuses)."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else raw


def _number(raw: str):
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        return raw


def _value(item: Item, raw: str):
    """Return one answer from its field's text, as the engine expects it."""
    if raw == NA:
        return NA
    if item.type == "yes_no":
        return {"true": True, "false": False}.get(raw, raw)
    if item.type in ("rating", "deduction"):
        return _whole(raw)
    if item.type == "choice":
        return next((option.value for option in item.options if str(option.value) == raw), raw)
    if item.type in ("number", "timer"):
        return _number(raw)
    return raw  # text, staff


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
                answers[item.id] = {part: _whole(raw) for part, raw in parts.items() if raw}
        elif item.type != "photo":
            raw = form.get(f"answer.{item.id}", "").strip()
            if raw:
                answers[item.id] = _value(item, raw)
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
