"""Plan generation: spread visits over each month and give them to people by rotation. Pure Python.

For every branch, month and slot (a checklist done n times a month) the month is cut into n equal parts,
one window in each. People are chosen in time order: among those who may do the kind at the branch,
the least loaded, then the one who was there longest ago. For anonymous kinds (mystery shops) nobody
goes to a branch where they are known staff, nor to the same branch twice within `gap_days`.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..months import month_after


@dataclass(frozen=True)
class Slot:
    checklist_id: str
    kind: str
    per_month: int


@dataclass(frozen=True)
class Rule:
    first_month: date  # its first day
    months: int
    slots: tuple[Slot, ...]
    timezone: str
    window_days: int | None = None  # None: the whole part of the month
    gap_days: int = 60
    scenario: str = ""
    brief: str = ""


@dataclass(frozen=True)
class Person:
    id: int
    kinds: frozenset[str]
    branches: frozenset[int]  # where they may work
    known_at: frozenset[int] = frozenset()  # where staff would recognise them


@dataclass(frozen=True)
class Planned:
    branch_id: int
    checklist_id: str
    kind: str
    window_start: datetime
    window_end: datetime
    assignee_id: int | None  # None: nobody could take it under the rules


@dataclass
class _Book:
    """What has been given so far: load per person, and visit dates per (person, branch) in order."""

    load: dict[int, int] = field(default_factory=dict)
    dates: dict[tuple[int, int], list[datetime]] = field(default_factory=dict)

    def add(self, person: int, branch: int, when: datetime) -> None:
        self.load[person] = self.load.get(person, 0) + 1
        times = self.dates.setdefault((person, branch), [])
        times.insert(bisect_left(times, when), when)

    def near(self, person: int, branch: int, when: datetime, gap: timedelta) -> bool:
        """Tell whether the person has been or will be at the branch within the gap of this time."""
        times = self.dates.get((person, branch), [])
        index = bisect_left(times, when - gap)
        return index < len(times) and times[index] < when + gap

    def last(self, person: int, branch: int, when: datetime) -> float:
        """Return how long before this time the person was last at the branch (in seconds; never: infinite)."""
        times = self.dates.get((person, branch), [])
        index = bisect_left(times, when)
        return (when - times[index - 1]).total_seconds() if index else float("inf")


def month_starts(first: date, months: int) -> list[date]:
    """Return the first days of the months of the plan (and of the month after it)."""
    starts = [first.replace(day=1)]
    for _ in range(months):
        starts.append(month_after(starts[-1]))
    return starts


def windows(month: date, next_month: date, count: int, window_days: int | None, offset: int,
            zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """Cut the month into `count` equal parts and return one window in each, staggered by `offset` days."""
    days = (next_month - month).days
    result = []
    for part in range(count):
        first, last = days * part // count, days * (part + 1) // count
        length = min(window_days or last - first, last - first)
        start = first + offset % (last - first - length + 1)
        result.append(tuple(datetime.combine(month + timedelta(days=day), time(), zone)
                            for day in (start, start + length)))
    return result


def generate(rule: Rule, branches: list[int], people: list[Person], anonymous_kinds: frozenset[str],
             history: list[tuple[int, int, datetime]] = (),
             progress: Callable[[int], None] | None = None) -> list[Planned]:
    """Return the plan's visits in time order; `history` holds (person, branch, time) of earlier visits.

    `progress(months)` is told how many months are planned after each one.
    """
    zone = ZoneInfo(rule.timezone)
    book = _Book()
    for person, branch, when in history:
        book.add(person, branch, when)
    book.load.clear()  # earlier work does not weigh on this plan's shares
    gap = timedelta(days=rule.gap_days)
    starts = month_starts(rule.first_month, rule.months)
    planned = []
    for done, (month, next_month) in enumerate(zip(starts, starts[1:], strict=False), 1):
        wanted = []
        for position, branch in enumerate(branches):
            for slot in rule.slots:
                for start, end in windows(month, next_month, slot.per_month, rule.window_days, position, zone):
                    wanted.append((start, position, slot, branch, end))
        wanted.sort(key=lambda entry: (entry[0], entry[1], entry[2].checklist_id))
        for start, _, slot, branch, end in wanted:
            person = _choose(book, people, slot.kind, branch, start, gap if slot.kind in anonymous_kinds else None)
            if person is not None:
                book.add(person, branch, start)
            planned.append(Planned(branch, slot.checklist_id, slot.kind, start, end, person))
        if progress is not None:
            progress(done)
    return planned


def _choose(book: _Book, people: list[Person], kind: str, branch: int, when: datetime,
            gap: timedelta | None) -> int | None:
    best, best_key = None, None
    for person in people:
        if kind not in person.kinds or branch not in person.branches:
            continue
        if gap is not None and (branch in person.known_at or book.near(person.id, branch, when, gap)):
            continue
        key = (book.load.get(person.id, 0), -book.last(person.id, branch, when), person.id)
        if best_key is None or key < best_key:
            best, best_key = person.id, key
    return best


def digest(planned: list[Planned], existing: int = 0) -> str:
    """Return a fingerprint of a plan and of the work already there, to check it is still the one previewed."""
    rows = [existing] + [[p.branch_id, p.checklist_id, p.window_start.isoformat(), p.window_end.isoformat(),
                          p.assignee_id] for p in planned]
    return hashlib.sha256(json.dumps(rows, separators=(",", ":")).encode()).hexdigest()
