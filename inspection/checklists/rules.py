"""Rules across fields that the typed schema alone cannot express."""

from __future__ import annotations

from .model import Checklist, Item, Section, item_dimension
from .yamlsafe import Problem

# Keys each type may carry beyond the common ones.
TYPE_KEYS = {
    "yes_no": set(),
    "rating": {"scale"},
    "choice": {"options"},
    "number": {"unit", "pass_"},
    "timer": {"limit"},
    "deduction": {"deduct"},
    "servqual": set(),
    "text": set(),
    "photo": set(),
    "staff": set(),
}
TYPE_ONLY_KEYS = set().union(*TYPE_KEYS.values())
REQUIRED_KEYS = {"choice": ("options",), "timer": ("limit",), "deduction": ("deduct", "points")}
UNSCORED_TYPES = ("servqual", "text", "photo", "staff")


class _Checker:
    def __init__(self, checklist: Checklist, lines: dict):
        self.checklist = checklist
        self.lines = lines
        self.problems: list[Problem] = []

    def add(self, path: tuple, message: str) -> None:
        line = self.lines.get(path) or self.lines.get(path[:-1], 1)
        self.problems.append(Problem(line, message))


def check(checklist: Checklist, lines: dict) -> list[Problem]:
    """Return every cross-field problem of a schema-valid checklist."""
    checker = _Checker(checklist, lines)
    _check_sections(checker)
    seen: dict[str, Item] = {}
    for s_index, section in enumerate(checklist.sections):
        staff_items = 0
        for i_index, item in enumerate(section.items):
            path = ("sections", s_index, "items", i_index)
            if item.id in seen:
                checker.add(path + ("id",), f"duplicate item id '{item.id}'")
            _check_item(checker, path, section, item)
            _check_show_if(checker, path, item, seen)
            seen.setdefault(item.id, item)
            staff_items += item.type == "staff"
            if item.type == "staff" and staff_items == 2:
                checker.add(path, f"section '{section.id}' has more than one staff item")
    _check_bands(checker)
    return checker.problems


def _check_sections(checker: _Checker) -> None:
    sections = checker.checklist.sections
    ids: set[str] = set()
    for index, section in enumerate(sections):
        if section.id in ids:
            checker.add(("sections", index, "id"), f"duplicate section id '{section.id}'")
        ids.add(section.id)
    weighted = [section.weight is not None for section in sections]
    if any(weighted) and not all(weighted):
        for index, section in enumerate(sections):
            if section.weight is None:
                checker.add(("sections", index), f"section '{section.id}' has no weight, "
                            "but other sections do: give all sections a weight, or none")


def _check_item(checker: _Checker, path: tuple, section: Section, item: Item) -> None:
    for key in sorted(TYPE_ONLY_KEYS - TYPE_KEYS[item.type]):
        if getattr(item, key) is not None:
            shown = key.rstrip("_")
            checker.add(path + (shown,), f"item '{item.id}': '{shown}' does not apply to type {item.type}")
    for key in REQUIRED_KEYS.get(item.type, ()):
        if getattr(item, key) is None:
            checker.add(path, f"item '{item.id}': type {item.type} needs '{key}'")
    if item.type in UNSCORED_TYPES and item.points is not None:
        checker.add(path + ("points",), f"item '{item.id}': type {item.type} earns no points")
    if item.type == "servqual" and item_dimension(section, item) is None:
        checker.add(path, f"item '{item.id}': type servqual needs a 'dimension' (its own or its section's)")
    if item.critical and not item.scored:
        checker.add(path + ("critical",), f"item '{item.id}': only an item that earns points can be critical")
    if item.photo_rule == "on_fail" and not item.scored:
        checker.add(path + ("photo",), f"item '{item.id}': photo on_fail needs an item that earns points")
    if item.type == "photo" and item.photo_rule == "never":
        checker.add(path + ("photo",), f"item '{item.id}': a photo item cannot refuse photos")
    _check_values(checker, path, item)


def _check_values(checker: _Checker, path: tuple, item: Item) -> None:
    if item.options:
        values = [option.value for option in item.options]
        for index, value in enumerate(values):
            if value in values[:index]:
                checker.add(path + ("options", index), f"item '{item.id}': duplicate option value {value!r}")
    bounds = item.pass_
    if bounds is not None:
        if bounds.min is None and bounds.max is None:
            checker.add(path + ("pass",), f"item '{item.id}': 'pass' needs 'min', 'max' or both")
        elif bounds.min is not None and bounds.max is not None and bounds.min > bounds.max:
            checker.add(path + ("pass",), f"item '{item.id}': pass min is greater than max")


def _check_show_if(checker: _Checker, path: tuple, item: Item, earlier: dict[str, Item]) -> None:
    condition = item.show_if
    if condition is None:
        return
    where = path + ("show_if", "item")
    if condition.item == item.id:
        checker.add(where, f"item '{item.id}': show_if cannot name the item itself")
    elif condition.item not in earlier:
        later = checker.checklist.item(condition.item) is not None
        reason = "a later item" if later else "an unknown item"
        checker.add(where, f"item '{item.id}': show_if names {reason} '{condition.item}'")
    elif not _can_equal(earlier[condition.item], condition.equals):
        checker.add(path + ("show_if", "equals"),
                    f"item '{item.id}': show_if equals {condition.equals!r}, "
                    f"which item '{condition.item}' can never answer")


def _can_equal(target: Item, value: object) -> bool:
    if target.type == "yes_no":
        return isinstance(value, bool)
    if target.type == "choice":
        return any(option.value == value and type(option.value) is type(value) for option in target.options)
    if target.type in ("rating", "deduction"):
        return isinstance(value, int) and not isinstance(value, bool)
    if target.type in ("text", "staff"):
        return isinstance(value, str)
    return target.type in ("number", "timer") and not isinstance(value, (bool, str))


def _check_bands(checker: _Checker) -> None:
    mins = [band.min for band in checker.checklist.ratings]
    for index, value in enumerate(mins):
        if value in mins[:index]:
            checker.add(("ratings", index), f"two rating bands share min {value:g}")
    if checker.checklist.dimension_weights and not any(checker.checklist.dimension_weights.values()):
        checker.add(("dimension_weights",), "dimension_weights are all zero")
