"""Calibration exercises: one target scored independently by several evaluators with the same checklist.

Their scores are not visits: no performance figure, leaderboard, export or coverage count reads these tables.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import UTCDateTime, enum_type, utcnow
from ..extensions import db
from ..lifecycle import CalibrationStatus
from ..org.models import Branch
from ..visits.models import Visit


class CalibrationExercise(db.Model):
    __tablename__ = "calibration_exercises"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    # What to score, e.g. "recording of call #123" or "walk-through of the lobby".
    target: Mapped[str] = mapped_column(Text, default="")
    # A visit whose photos and notes are the evidence every evaluator scores from (optional).
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="SET NULL"))
    checklist_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))
    # Every evaluator scores against this frozen version, whatever happens to the YAML meanwhile.
    checklist_version: Mapped[str] = mapped_column(ForeignKey("checklist_versions.version"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[CalibrationStatus] = mapped_column(enum_type(CalibrationStatus, "status"),
                                                      default=CalibrationStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    branch: Mapped[Branch] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    visit: Mapped[Visit | None] = relationship()
    participants: Mapped[list[CalibrationParticipant]] = relationship(
        order_by="CalibrationParticipant.user_id", cascade="all, delete-orphan")
    scores: Mapped[list[CalibrationScore]] = relationship(order_by="CalibrationScore.evaluator_id",
                                                          cascade="all, delete-orphan")

    @property
    def evaluator_ids(self) -> set[int]:
        """Return the ids of the users chosen to score this exercise (what inspection.access asks)."""
        return {participant.user_id for participant in self.participants}

    __table_args__ = (Index("ix_calibration_exercises_branch_status", "branch_id", "status"),)


class CalibrationParticipant(db.Model):
    """An evaluator chosen by the manager; their score row exists once they have submitted."""

    __tablename__ = "calibration_participants"

    exercise_id: Mapped[int] = mapped_column(ForeignKey("calibration_exercises.id", ondelete="CASCADE"),
                                             primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True, index=True)

    user: Mapped[User] = relationship()


class CalibrationScore(db.Model):
    """One evaluator's answers, scored by the checklist engine; changed until the exercise closes."""

    __tablename__ = "calibration_scores"

    id: Mapped[int] = mapped_column(primary_key=True)
    exercise_id: Mapped[int] = mapped_column(ForeignKey("calibration_exercises.id", ondelete="CASCADE"))
    evaluator_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    answers: Mapped[dict] = mapped_column(JSON)
    result: Mapped[dict] = mapped_column(JSON)  # the engine's Result.to_dict()
    score: Mapped[float | None]
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    evaluator: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("exercise_id", "evaluator_id"),)
