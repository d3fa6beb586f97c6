"""Calibration exercises as the API shows them: agreement, kappas, ICC and each evaluator's deviation."""

from __future__ import annotations

from ..calibration.models import CalibrationExercise
from ..calibration.results import Results


def _time(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def calibration_json(exercise: CalibrationExercise, results: Results, names: dict[int, str | None],
                     numbers: dict[int, int]) -> dict:
    """Return an exercise with its results; evaluators are named only to whom may know them."""
    return {
        "id": exercise.id, "title": exercise.title, "target": exercise.target, "status": exercise.status.value,
        "checklist": exercise.checklist_id, "checklist_version": exercise.checklist_version,
        "branch": exercise.branch.code, "created_at": _time(exercise.created_at),
        "closed_at": _time(exercise.closed_at),
        "evaluators_chosen": len(exercise.participants), "submitted": len(exercise.scores),
        "kappa_threshold": results.threshold, "fleiss_kappa": results.fleiss_kappa, "cohen_kappa": results.cohen_kappa,
        "icc": results.icc, "median_score": results.median_score,
        "items": [{"item": row.item.id, "kind": "categorical" if row.categorical else "numeric",
                   "answers": row.answers, "agreement": row.agreement, "consensus": row.consensus}
                  for row in results.items],
        "evaluators": [{"number": numbers[row.evaluator], "name": names.get(row.evaluator), "score": row.score,
                        "deviation": row.deviation, "disagreements": row.disagreements, "kappa": row.kappa,
                        "flagged": row.flagged} for row in results.evaluators],
    }
