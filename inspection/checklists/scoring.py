"""Score answers by a checklist's rules: `score(checklist, answers) -> Result`."""

from __future__ import annotations

from dataclasses import dataclass, field

from .answers import NA, AnswerError, check_answers, visible_items
from .model import DIMENSIONS, Checklist, Item, item_dimension

# Scores are compared with a little slack so that 79.99999999 from float sums passes 80.
EPSILON = 1e-9


@dataclass
class Tally:
    earned: float = 0.0
    possible: float = 0.0

    def add(self, earned: float, possible: float) -> None:
        self.earned += earned
        self.possible += possible

    @property
    def score(self) -> float | None:
        return 100 * self.earned / self.possible if self.possible else None


@dataclass
class ItemResult:
    section: str
    status: str  # scored | unscored | excluded
    earned: float = 0.0
    possible: float = 0.0


@dataclass
class Dimension(Tally):
    expectations: list[int] = field(default_factory=list)
    perceptions: list[int] = field(default_factory=list)

    @property
    def expectation(self) -> float | None:
        return _mean(self.expectations)

    @property
    def perception(self) -> float | None:
        return _mean(self.perceptions)

    @property
    def gap(self) -> float | None:
        if not self.expectations:
            return None
        return self.perception - self.expectation


@dataclass
class Result:
    checklist: str
    version: str
    score: float | None
    passed: bool | None
    rating: str | None
    critical_failures: list[str]
    sections: list[tuple[str, Tally]]
    dimensions: dict[str, Dimension]
    servqual_gap: float | None
    staff: dict[str, Tally]
    items: dict[str, ItemResult]

    def to_dict(self) -> dict:
        """Return the result in the format's JSON shape, rounded to 2 decimals."""
        return {
            "checklist": self.checklist,
            "version": self.version,
            "score": _round(self.score),
            "passed": self.passed,
            "rating": self.rating,
            "critical_failures": list(self.critical_failures),
            "sections": [{"id": section_id, **_tally(tally)} for section_id, tally in self.sections],
            "dimensions": {name: _dimension(dim) for name, dim in self.dimensions.items()},
            "servqual_gap": _round(self.servqual_gap),
            "staff": {code: _tally(tally) for code, tally in self.staff.items()},
            "items": {item_id: _item(result) for item_id, result in self.items.items()},
        }


def score(checklist: Checklist, answers: dict) -> Result:
    """Score answers; raise AnswerError naming every item at fault."""
    problems = check_answers(checklist, answers)
    if problems:
        raise AnswerError(problems)
    visible = visible_items(checklist, answers)
    items: dict[str, ItemResult] = {}
    sections: list[tuple[str, Tally]] = []
    dimensions: dict[str, Dimension] = {}
    staff: dict[str, Tally] = {}
    for section in checklist.sections:
        tally, staff_code = Tally(), None
        for item in section.items:
            value = answers.get(item.id)
            counted = item.id in visible and value is not None and not _is_na(value)
            result = score_item(item, value if counted else None, section.id)
            items[item.id] = result
            tally.add(result.earned, result.possible)
            dimension = item_dimension(section, item)
            if dimension:
                _feed_dimension(dimensions.setdefault(dimension, Dimension()), item, value, result)
            if item.type == "staff" and counted:
                staff_code = value
        sections.append((section.id, tally))
        if staff_code is not None:
            staff.setdefault(staff_code, Tally()).add(tally.earned, tally.possible)
    return _finish(checklist, items, sections, dimensions, staff)


def _is_na(value: object) -> bool:
    return isinstance(value, str) and value == NA


def score_item(item: Item, value: object, section_id: str) -> ItemResult:
    """Score one answer by its item's rule (None: excluded)."""
    if value is None:
        return ItemResult(section_id, "excluded")
    if not item.scored:
        return ItemResult(section_id, "unscored")
    points = item.points
    if item.type == "deduction":
        earned = max(0.0, points - item.deduct * value)
    else:
        earned = _fraction(item, value) * points
    return ItemResult(section_id, "scored", earned, points)


def _fraction(item: Item, value) -> float:
    if item.type == "yes_no":
        return 1.0 if value else 0.0
    if item.type == "rating":
        return (value - 1) / (item.rating_scale - 1)
    if item.type == "choice":
        return next(o.score for o in item.options if o.value == value and type(o.value) is type(value))
    if item.type == "timer":
        return 1.0 if value <= item.limit else 0.0
    bounds = item.pass_  # number
    low_ok = bounds.min is None or value >= bounds.min
    high_ok = bounds.max is None or value <= bounds.max
    return 1.0 if low_ok and high_ok else 0.0


def _feed_dimension(dimension: Dimension, item: Item, value, result: ItemResult) -> None:
    dimension.add(result.earned, result.possible)
    if item.type == "servqual" and result.status != "excluded":
        dimension.expectations.append(value["expectation"])
        dimension.perceptions.append(value["perception"])


def _finish(checklist, items, sections, dimensions, staff) -> Result:
    critical = [
        item.id for _, item in checklist.items()
        if item.critical and items[item.id].status == "scored"
        and items[item.id].earned < items[item.id].possible - EPSILON
    ]
    overall = _overall(checklist, sections)
    if critical and checklist.on_critical_fail == "zero":
        overall = 0.0
    if overall is None:
        passed = False if critical else None
    else:
        passed = not critical and overall >= checklist.pass_mark - EPSILON
    ordered = {name: dimensions[name] for name in DIMENSIONS if name in dimensions}
    return Result(
        checklist=checklist.id, version=checklist.version, score=overall, passed=passed,
        rating=_rating(checklist, overall), critical_failures=critical, sections=sections,
        dimensions=ordered, servqual_gap=_weighted_gap(checklist, ordered), staff=staff, items=items,
    )


def _overall(checklist: Checklist, sections: list[tuple[str, Tally]]) -> float | None:
    if checklist.sections[0].weight is None:
        total = Tally()
        for _, tally in sections:
            total.add(tally.earned, tally.possible)
        return total.score
    weights = {section.id: section.weight for section in checklist.sections}
    counted = [(weights[section_id], tally.score) for section_id, tally in sections if tally.possible]
    if not counted:
        return None
    return sum(weight * value for weight, value in counted) / sum(weight for weight, _ in counted)


def _rating(checklist: Checklist, overall: float | None) -> str | None:
    if overall is None:
        return None
    for band in sorted(checklist.ratings, key=lambda band: band.min, reverse=True):
        if band.min <= overall + EPSILON:
            return band.label
    return None


def dimension_weights(checklist: Checklist) -> dict[str, float]:
    """Return each dimension's weight; unlisted ones share what the listed leave of 1."""
    given = checklist.dimension_weights
    unlisted = [name for name in DIMENSIONS if name not in given]
    share = max(0.0, 1.0 - sum(given.values())) / len(unlisted) if unlisted else 0.0
    return {name: given.get(name, share) for name in DIMENSIONS}


def _weighted_gap(checklist: Checklist, dimensions: dict[str, Dimension]) -> float | None:
    weights = dimension_weights(checklist)
    gaps = [(weights[name], dim.gap) for name, dim in dimensions.items() if dim.gap is not None]
    total = sum(weight for weight, _ in gaps)
    if not total:
        return None
    return sum(weight * gap for weight, gap in gaps) / total


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


def _round(value: float | None) -> float | None:
    return None if value is None else round(value + 0.0, 2)


def _tally(tally: Tally) -> dict:
    return {"score": _round(tally.score), "earned": _round(tally.earned), "possible": _round(tally.possible)}


def _dimension(dim: Dimension) -> dict:
    return {"score": _round(dim.score), "expectation": _round(dim.expectation),
            "perception": _round(dim.perception), "gap": _round(dim.gap)}


def _item(result: ItemResult) -> dict:
    return {"section": result.section, "status": result.status,
            "earned": _round(result.earned), "possible": _round(result.possible)}
