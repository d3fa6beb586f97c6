"""Appeals: the branch side contests items of a released visit; a manager who did not score it decides each item."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import UTCDateTime, enum_type, utcnow
from ..extensions import db
from ..lifecycle import AppealStatus
from ..org.models import Branch
from ..visits.models import Visit


class ItemOutcome(StrEnum):
    UPHELD = "upheld"
    REJECTED = "rejected"


class Appeal(db.Model):
    """One appeal per visit: a released score is contested once, so that a decision is final."""

    __tablename__ = "appeals"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), unique=True)
    version: Mapped[int]  # the visit's version appealed
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    filed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(Text)
    photo: Mapped[str | None] = mapped_column(String(100))  # a stored name, served through the access check
    status: Mapped[AppealStatus] = mapped_column(enum_type(AppealStatus, "status"), default=AppealStatus.OPEN)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    comment: Mapped[str] = mapped_column(Text, default="")
    decided_version: Mapped[int | None]  # the visit's version the decision made, when it corrected an answer

    visit: Mapped[Visit] = relationship()
    branch: Mapped[Branch] = relationship()
    filed_by: Mapped[User] = relationship(foreign_keys=[filed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    items: Mapped[list[AppealItem]] = relationship(order_by="AppealItem.id", cascade="all, delete-orphan",
                                                   back_populates="appeal")

    @property
    def evaluator_id(self) -> int:
        """Return who scored the visit appealed: they never decide the appeal."""
        return self.visit.submitter_id

    __table_args__ = (Index("ix_appeals_status_filed", "status", "filed_at"),)


class AppealItem(db.Model):
    __tablename__ = "appeal_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    appeal_id: Mapped[int] = mapped_column(ForeignKey("appeals.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(100))
    answer: Mapped[object | None] = mapped_column(JSON)  # the answer when the appeal was filed
    outcome: Mapped[ItemOutcome | None] = mapped_column(enum_type(ItemOutcome, "outcome"))
    corrected: Mapped[object | None] = mapped_column(JSON)  # the answer an upheld item was given ("na": N/A)

    appeal: Mapped[Appeal] = relationship(back_populates="items")

    __table_args__ = (UniqueConstraint("appeal_id", "item_id"),)
