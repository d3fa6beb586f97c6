"""What changed between two versions of a checklist: its settings, sections and items, item by item.

Pure Python over the engine's types: the editor compares the frozen snapshots of stored versions.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..checklists import Checklist, Item, Section

CHECKLIST_FIELDS = ("title", "kind", "locale", "description", "pass_mark", "on_critical_fail", "ratings",
                    "dimension_weights", "expected_minutes")
SECTION_FIELDS = ("title", "weight", "dimension")
# In the order a reader cares about: what is asked, how it scores, then the finer rules.
ITEM_FIELDS = ("text", "type", "points", "critical", "options", "scale", "limit", "deduct", "pass", "unit", "na",
               "required", "photo", "show_if", "dimension", "help")


@dataclass(frozen=True)
class Change:
    field: str
    old: object
    new: object


@dataclass
class PartChange:
    """A section or an item present in both versions, with what changed in it."""

    id: str
    title: str
    changes: list[Change]


@dataclass
class Diff:
    settings: list[Change] = field(default_factory=list)
    sections_added: list[Section] = field(default_factory=list)
    sections_removed: list[Section] = field(default_factory=list)
    sections_changed: list[PartChange] = field(default_factory=list)
    items_added: list[tuple[Section, Item]] = field(default_factory=list)
    items_removed: list[tuple[Section, Item]] = field(default_factory=list)
    items_changed: list[PartChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Tell whether the two versions hold the same checklist."""
        return not any((self.settings, self.sections_added, self.sections_removed, self.sections_changed,
                        self.items_added, self.items_removed, self.items_changed))


def _changes(old: dict, new: dict, names: tuple[str, ...]) -> list[Change]:
    return [Change(name, old.get(name), new.get(name)) for name in names if old.get(name) != new.get(name)]


def _dump(part) -> dict:
    return part.model_dump(mode="json", by_alias=True)


def compare(old: Checklist, new: Checklist) -> Diff:
    """Return what changed from the old version to the new one."""
    diff = Diff(settings=_changes(_dump(old), _dump(new), CHECKLIST_FIELDS))
    old_sections = {section.id: section for section in old.sections}
    new_sections = {section.id: section for section in new.sections}
    diff.sections_added = [section for key, section in new_sections.items() if key not in old_sections]
    diff.sections_removed = [section for key, section in old_sections.items() if key not in new_sections]
    for key, section in new_sections.items():
        if key in old_sections:
            changes = _changes(_dump(old_sections[key]), _dump(section), SECTION_FIELDS)
            if changes:
                diff.sections_changed.append(PartChange(key, section.title, changes))
    old_items = {item.id: (section, item) for section, item in old.items()}
    new_items = {item.id: (section, item) for section, item in new.items()}
    diff.items_added = [pair for key, pair in new_items.items() if key not in old_items]
    diff.items_removed = [pair for key, pair in old_items.items() if key not in new_items]
    for key, (section, item) in new_items.items():
        if key not in old_items:
            continue
        old_section, old_item = old_items[key]
        changes = _changes(_dump(old_item), _dump(item), ITEM_FIELDS)
        if old_section.id != section.id:
            changes.insert(0, Change("section", old_section.title, section.title))
        if changes:
            diff.items_changed.append(PartChange(key, item.text, changes))
    return diff
