"""Read answers typed in HTML form fields into the values the engine checks; what cannot be read stays text."""

from __future__ import annotations

from .answers import NA
from .model import Item


def whole(raw: str):
    """Return a whole number typed as digits, else the text itself (which the engine then refuses)."""
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else raw


def _number(raw: str):
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        return raw


def field_value(item: Item, raw: str):
    """Return one answer from its field's text, as the engine expects it."""
    if raw == NA:
        return NA
    if item.type == "yes_no":
        return {"true": True, "false": False}.get(raw, raw)
    if item.type in ("rating", "deduction"):
        return whole(raw)
    if item.type == "choice":
        return next((option.value for option in item.options if str(option.value) == raw), raw)
    if item.type in ("number", "timer"):
        return _number(raw)
    return raw  # text, staff
