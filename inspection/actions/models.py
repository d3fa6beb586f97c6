"""Corrective actions: a failed item (or a customer's response to call back) turned into work with an owner,
a due date and evidence."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import UTCDateTime, enum_type, utcnow
from ..extensions import db
from ..lifecycle import UNFINISHED_ACTIONS, ActionStatus
from ..org.models import Branch, Staff

# What an action is: a failed item of a visit to put right, or a customer's response to call back.
CORRECTIVE, FOLLOW_UP = "corrective", "follow_up"
KINDS = (CORRECTIVE, FOLLOW_UP)
# What closing an action needs, by kind: a fix is shown on a photo; a call-back is told in a note, a photo optional.
CLOSING_EVIDENCE = {CORRECTIVE: frozenset({"note", "photo"}), FOLLOW_UP: frozenset({"note"})}


class CorrectiveAction(db.Model):
    __tablename__ = "corrective_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    # An action comes from a visit's failed item, or (a customer's follow-up case) from a survey response.
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    item_id: Mapped[str | None] = mapped_column(String(100))
    response_id: Mapped[int | None] = mapped_column(ForeignKey("survey_responses.id", ondelete="CASCADE"),
                                                    unique=True)
    title: Mapped[str] = mapped_column(String(500))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    # The owner is a staff member, or the branch itself when staff_id is empty.
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    due_date: Mapped[date]
    status: Mapped[ActionStatus] = mapped_column(enum_type(ActionStatus, "status"), default=ActionStatus.OPEN)
    critical: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closing_note: Mapped[str] = mapped_column(Text, default="")
    closing_photo: Mapped[str | None] = mapped_column(String(100))
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    branch: Mapped[Branch] = relationship()
    staff: Mapped[Staff | None] = relationship()
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])
    comments: Mapped[list[ActionComment]] = relationship(order_by="ActionComment.id", cascade="all, delete-orphan")
    # Named, not imported: the surveys feature opens follow-up cases, so it imports this module.
    response = relationship("SurveyResponse")

    @property
    def kind(self) -> str:
        """Return whether this is a corrective action or a customer's follow-up case."""
        return FOLLOW_UP if self.response_id is not None else CORRECTIVE

    @property
    def closing_needs(self) -> frozenset[str]:
        """Return the evidence closing this action needs (note, photo)."""
        return CLOSING_EVIDENCE[self.kind]

    def overdue(self, today: date) -> bool:
        """Tell whether the action is past its due date and not done yet."""
        return self.status in UNFINISHED_ACTIONS and self.due_date < today

    __table_args__ = (
        UniqueConstraint("visit_id", "item_id"),
        Index("ix_corrective_actions_branch_status_due", "branch_id", "status", "due_date"),
        Index("ix_corrective_actions_status_due", "status", "due_date"),  # everyone's overdue ones
    )


class ActionComment(db.Model):
    __tablename__ = "action_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("corrective_actions.id", ondelete="CASCADE"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User] = relationship()
