"""Planned work: a checklist at a branch given to one person within a time window, and the plans behind it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, and_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import UTCDateTime, enum_type, utcnow
from ..extensions import db
from ..lifecycle import AssignmentStatus
from ..org.models import Branch

# Shown, filtered and counted, but never stored: an assignment whose window ended with no visit is missed.
MISSED = "missed"
SHOWN_STATES = (AssignmentStatus.ASSIGNED, MISSED, AssignmentStatus.DONE, AssignmentStatus.DECLINED,
                AssignmentStatus.CANCELLED)
# A filter only: still to be done, in its window or after it (a late visit still counts).
OPEN = "open"


class Plan(db.Model):
    """A rule that generated assignments in bulk, kept so that each assignment says where it came from."""

    __tablename__ = "plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    rule: Mapped[dict] = mapped_column(JSON)
    assignments_count: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Assignment(db.Model):
    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    checklist_id: Mapped[str] = mapped_column(String(100))
    # The checklist's kind, so that the policy scopes in SQL (a mystery shop stays unknown to the branch side).
    kind: Mapped[str] = mapped_column(String(20))
    assignee_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    window_start: Mapped[datetime] = mapped_column(UTCDateTime)
    window_end: Mapped[datetime] = mapped_column(UTCDateTime)
    scenario: Mapped[str] = mapped_column(String(200), default="")
    brief: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[AssignmentStatus] = mapped_column(enum_type(AssignmentStatus, "status"),
                                                     default=AssignmentStatus.ASSIGNED)
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visits.id"), unique=True)
    # Set with the visit: it happened outside the window (the field times count, not when it reached us).
    late: Mapped[bool | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    branch: Mapped[Branch] = relationship()
    assignee: Mapped[User] = relationship(foreign_keys=[assignee_id])

    def state(self, now: datetime) -> str:
        """Return the state shown: the stored one, or missed once an assigned window has ended."""
        return MISSED if self.status == AssignmentStatus.ASSIGNED and self.window_end <= now else self.status

    __table_args__ = (
        Index("ix_assignments_branch_window", "branch_id", "window_start"),
        Index("ix_assignments_assignee_status_window", "assignee_id", "status", "window_start"),
        Index("ix_assignments_status_window_end", "status", "window_end"),
    )


def state_condition(state: str, now: datetime):
    """Return the SQL condition for one shown state."""
    if state == OPEN:
        return Assignment.status == AssignmentStatus.ASSIGNED
    if state == MISSED:
        return and_(Assignment.status == AssignmentStatus.ASSIGNED, Assignment.window_end <= now)
    if state == AssignmentStatus.ASSIGNED:
        return and_(Assignment.status == AssignmentStatus.ASSIGNED, Assignment.window_end > now)
    return Assignment.status == AssignmentStatus(state)
