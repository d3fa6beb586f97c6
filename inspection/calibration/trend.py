"""Each evaluator across closed exercises: their own kappa and deviation, and the ICC of total scores."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from .. import access
from ..auth.models import User
from ..extensions import db
from ..lifecycle import CalibrationStatus
from .models import CalibrationExercise, CalibrationParticipant, CalibrationScore
from .results import EvaluatorResult, total_score_icc
from .services import results

# The most recent closed exercises the trend reads: every one is scored again from its sheets.
TREND_EXERCISES = 24


@dataclass
class EvaluatorTrend:
    evaluator: User
    # (exercise, that exercise's result for this evaluator), oldest first.
    points: list[tuple[CalibrationExercise, EvaluatorResult]] = field(default_factory=list)


@dataclass
class Trend:
    exercises: list[CalibrationExercise]
    evaluators: list[EvaluatorTrend]
    threshold: float
    score_icc: float | None = None
    icc_exercises: list[CalibrationExercise] = field(default_factory=list)
    icc_evaluators: list[User] = field(default_factory=list)


def trend(actor: User) -> Trend:
    """Return the evaluators of the actor's recent closed exercises with their figures in each, oldest first."""
    access.require(actor, "calibrations.manage")
    seen = access.calibration_filter(actor, CalibrationExercise, CalibrationParticipant)
    recent = db.session.scalars(
        select(CalibrationExercise).where(seen, CalibrationExercise.status == CalibrationStatus.CLOSED)
        .options(selectinload(CalibrationExercise.scores).selectinload(CalibrationScore.evaluator),
                 selectinload(CalibrationExercise.visit))
        .order_by(CalibrationExercise.closed_at.desc(), CalibrationExercise.id.desc()).limit(TREND_EXERCISES)).all()
    exercises = [exercise for exercise in reversed(recent) if access.can(actor, "calibration.results", exercise)]
    people = {row.evaluator_id: row.evaluator for exercise in exercises for row in exercise.scores}
    by_evaluator = {person_id: EvaluatorTrend(person) for person_id, person in people.items()}
    for exercise in exercises:
        for result in results(exercise).evaluators:
            by_evaluator[result.evaluator].points.append((exercise, result))
    totals = [{row.evaluator_id: row.score for row in exercise.scores if row.score is not None}
              for exercise in exercises]
    score_icc, rows, chosen = total_score_icc(totals)
    return Trend(exercises=exercises, threshold=current_app.config["CALIBRATION_KAPPA"], score_icc=score_icc,
                 evaluators=sorted(by_evaluator.values(), key=lambda t: (t.evaluator.name, t.evaluator.id)),
                 icc_exercises=[exercises[row] for row in rows], icc_evaluators=[people[e] for e in chosen])
