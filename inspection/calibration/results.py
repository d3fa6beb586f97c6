"""The results of a calibration exercise, computed from its evaluators' sheets (never stored).

Pure Python, like the checklist engine: items are the subjects and evaluators the raters. Categorical items
(yes/no, choice, rating) are compared by their answers, N/A included; numeric ones (number, timer, deduction)
by what they earned, so that 3.2 s and 3.4 s under a 5 s limit agree.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

from ..agreement import agreement, category_counts, cohen_kappa, fleiss_kappa, icc, median, mode
from ..checklists import Checklist, Item, visible_items
from ..checklists.answers import NA

CATEGORICAL_TYPES = frozenset({"yes_no", "choice", "rating"})
NUMERIC_TYPES = frozenset({"number", "timer", "deduction"})
MIN_EVALUATORS = 2


@dataclass(frozen=True)
class Sheet:
    """One evaluator's submission: answers, the engine's result (Result.to_dict()) and total score."""

    evaluator: int
    answers: dict
    result: dict
    score: float | None


@dataclass
class ItemAgreement:
    item: Item
    categorical: bool
    answers: int  # evaluators who answered it, N/A included
    agreement: float | None  # share of those answers that equal the most frequent one
    consensus: object = None  # the modal answer, or the median number (N/A when most said so)


@dataclass
class EvaluatorResult:
    evaluator: int
    score: float | None
    deviation: float | None = None  # score minus the median score of all evaluators
    disagreements: int = 0  # items where this evaluator's answer is not the consensus
    kappa: float | None = None  # Cohen's kappa against the consensus of the other evaluators
    flagged: bool = False


@dataclass
class Results:
    threshold: float
    evaluators: list[EvaluatorResult] = field(default_factory=list)
    items: list[ItemAgreement] = field(default_factory=list)
    fleiss_kappa: float | None = None
    cohen_kappa: float | None = None
    icc: float | None = None
    median_score: float | None = None
    categorical_items: int = 0  # the subjects of the kappas
    scored_items: int = 0  # the subjects of the ICC

    @property
    def enough(self) -> bool:
        """Tell whether enough evaluators have submitted for any statistic."""
        return len(self.evaluators) >= MIN_EVALUATORS


def compared_items(checklist: Checklist) -> list[Item]:
    """Return the items whose answers evaluators are compared on, in checklist order."""
    return [item for _, item in checklist.items() if item.type in CATEGORICAL_TYPES | NUMERIC_TYPES]


def _key(item: Item, value, outcome: dict | None) -> str | None:
    """Return what two answers must share to agree (None: not answered); JSON so that true is never 1."""
    if value is None:
        return None
    if item.type in NUMERIC_TYPES and item.scored and outcome and outcome["status"] == "scored":
        return f"earned {outcome['earned'] / outcome['possible']:.6f}"
    return json.dumps(value, sort_keys=True)


def _keys(item: Item, sheets: Sequence[Sheet], visible: list[set[str]]) -> list[str | None]:
    """Return each sheet's key for the item: None where show_if hid it, "" where it was shown and left empty."""
    keys = []
    for sheet, shown in zip(sheets, visible, strict=True):
        key = _key(item, sheet.answers.get(item.id), sheet.result["items"].get(item.id))
        keys.append(None if item.id not in shown else key or "")
    return keys


def _consensus(item: Item, sheets: Sequence[Sheet], keys: list[str | None], modal: str | None):
    if modal is None:
        return None
    if item.type in CATEGORICAL_TYPES or modal == json.dumps(NA):
        return json.loads(modal)
    numbers = [sheet.answers[item.id] for sheet, key in zip(sheets, keys, strict=True) if key]
    return median([number for number in numbers if _is_number(number)])


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def compute(checklist: Checklist, sheets: Sequence[Sheet], threshold: float) -> Results:
    """Return the exercise's agreement per item, kappas, ICC and each evaluator's deviation and flag."""
    scores = [sheet.score for sheet in sheets if sheet.score is not None]
    results = Results(threshold=threshold, median_score=median(scores),
                      evaluators=[EvaluatorResult(sheet.evaluator, sheet.score) for sheet in sheets])
    if not results.enough:
        return results
    visible = [visible_items(checklist, sheet.answers) for sheet in sheets]
    categorical: list[list[str]] = []
    for item in compared_items(checklist):
        keys = _keys(item, sheets, visible)
        answered = [key for key in keys if key]
        modal = mode(answered)
        results.items.append(ItemAgreement(item, item.type in CATEGORICAL_TYPES, len(answered),
                                           agreement(answered) if len(answered) >= MIN_EVALUATORS else None,
                                           _consensus(item, sheets, keys, modal)))
        for evaluator, key in zip(results.evaluators, keys, strict=True):
            evaluator.disagreements += modal is not None and key is not None and key != modal
        if item.type in CATEGORICAL_TYPES and all(keys):
            categorical.append(keys)
    _agreement_statistics(results, categorical, _fractions(checklist, sheets))
    for index, evaluator in enumerate(results.evaluators):
        if evaluator.score is not None and results.median_score is not None:
            evaluator.deviation = evaluator.score - results.median_score
        evaluator.kappa = _own_kappa(categorical, index)
        evaluator.flagged = evaluator.kappa is not None and evaluator.kappa < threshold
    return results


def _fractions(checklist: Checklist, sheets: Sequence[Sheet]) -> list[list[float]]:
    """Return earned / possible of every scored item that every evaluator's answers scored (items × evaluators)."""
    rows = []
    for _, item in checklist.items():
        outcomes = [sheet.result["items"].get(item.id) for sheet in sheets]
        if all(outcome and outcome["status"] == "scored" and outcome["possible"] for outcome in outcomes):
            rows.append([outcome["earned"] / outcome["possible"] for outcome in outcomes])
    return rows


def _agreement_statistics(results: Results, categorical: list[list[str]], fractions: list[list[float]]) -> None:
    results.categorical_items, results.scored_items = len(categorical), len(fractions)
    results.fleiss_kappa = fleiss_kappa(category_counts(categorical))
    if len(results.evaluators) == MIN_EVALUATORS and categorical:
        first, second = zip(*categorical, strict=True)
        results.cohen_kappa = cohen_kappa(first, second)
    results.icc = icc(fractions)


def _own_kappa(categorical: list[list[str]], index: int) -> float | None:
    """Return Cohen's kappa of one evaluator against the modal answer of the others, item by item."""
    own, others = [], []
    for keys in categorical:
        consensus = mode(keys[:index] + keys[index + 1:])
        if consensus is not None:
            own.append(keys[index])
            others.append(consensus)
    return cohen_kappa(own, others)


def total_score_icc(exercises: Sequence[dict[Hashable, float]]) -> tuple[float | None, list[int], list[Hashable]]:
    """Return ICC(2,1) of total scores across exercises, with the exercises (indices) and evaluators it used.

    Exercises are the subjects. Evaluators who scored at least two of them are taken most active first, as
    many as still leave two exercises that all of them scored (an ICC needs every cell).
    """
    counts: dict[Hashable, int] = {}
    for scores in exercises:
        for evaluator in scores:
            counts[evaluator] = counts.get(evaluator, 0) + 1
    regulars = sorted((e for e, n in counts.items() if n >= 2), key=lambda e: (-counts[e], repr(e)))
    for size in range(len(regulars), 1, -1):
        chosen = regulars[:size]
        rows = [index for index, scores in enumerate(exercises) if all(e in scores for e in chosen)]
        if len(rows) >= 2:
            return icc([[exercises[row][e] for e in chosen] for row in rows]), rows, chosen
    return None, [], []
