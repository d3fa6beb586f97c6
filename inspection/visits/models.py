"""Visits: one scored submission of a checklist, with its answers, photos and staff results."""

from __future__ import annotations

import uuid as uuid_module
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, utcnow
from ..extensions import db
from ..org.models import Branch, Staff
from ..review.models import VisitEvent, VisitRevision

STATUSES = ("submitted", "in_review", "returned", "released")


class ChecklistVersion(db.Model):
    """A frozen copy of a checklist, shared by every visit scored with it."""

    __tablename__ = "checklist_versions"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    checklist_id: Mapped[str] = mapped_column(String(100), index=True)
    title: Mapped[str] = mapped_column(String(300))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Visit(db.Model):
    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid_module.UUID] = mapped_column(unique=True)
    checklist_id: Mapped[str] = mapped_column(String(100))
    checklist_version: Mapped[str] = mapped_column(ForeignKey("checklist_versions.version"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    submitter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="submitted")
    # Bumped by every change to the visit's content; printed scorecards are cached by it.
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    score: Mapped[float | None]
    passed: Mapped[bool | None]
    rating: Mapped[str | None] = mapped_column(String(100))
    result: Mapped[dict] = mapped_column(JSON)
    # Copied out of the result so that dashboards aggregate in SQL instead of reading JSON.
    critical_failures: Mapped[int] = mapped_column(default=0, server_default="0")
    servqual_gap: Mapped[float | None]
    # Fingerprint of what the client sent, so that a retry is told from a conflict.
    content_sha256: Mapped[str] = mapped_column(String(64))

    branch: Mapped[Branch] = relationship()
    snapshot: Mapped[ChecklistVersion] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="visit", cascade="all, delete-orphan")
    photos: Mapped[list[Photo]] = relationship(back_populates="visit", cascade="all, delete-orphan")
    staff_results: Mapped[list[StaffResult]] = relationship(
        back_populates="visit", cascade="all, delete-orphan"
    )
    dimensions: Mapped[list[VisitDimension]] = relationship(cascade="all, delete-orphan")
    events: Mapped[list[VisitEvent]] = relationship(order_by=VisitEvent.id, cascade="all, delete-orphan")
    revisions: Mapped[list[VisitRevision]] = relationship(order_by=VisitRevision.version,
                                                          cascade="all, delete-orphan")

    __table_args__ = (
        Index("ix_visits_branch_finished", "branch_id", "finished_at"),
        Index("ix_visits_status_finished", "status", "finished_at"),
        Index("ix_visits_submitter_finished", "submitter_id", "finished_at"),
        Index("ix_visits_checklist_finished", "checklist_id", "finished_at"),
    )


class VisitDimension(db.Model):
    """One SERVQUAL dimension of a visit's result, for dashboards."""

    __tablename__ = "visit_dimensions"

    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), primary_key=True)
    dimension: Mapped[str] = mapped_column(String(20), primary_key=True)
    earned: Mapped[float]
    possible: Mapped[float]
    expectation: Mapped[float | None]
    perception: Mapped[float | None]


class Answer(db.Model):
    __tablename__ = "answers"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    item_id: Mapped[str] = mapped_column(String(100))
    value: Mapped[object | None] = mapped_column(JSON)
    note: Mapped[str] = mapped_column(Text, default="")

    visit: Mapped[Visit] = relationship(back_populates="answers")

    __table_args__ = (UniqueConstraint("visit_id", "item_id"),)


class Photo(db.Model):
    __tablename__ = "photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(100))
    stored_name: Mapped[str] = mapped_column(String(100), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]

    visit: Mapped[Visit] = relationship(back_populates="photos")


class StaffResult(db.Model):
    __tablename__ = "staff_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"))
    # Copied from the visit so that leaderboards and a staff member's history read this table alone.
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    counted: Mapped[bool] = mapped_column(default=False, server_default="0")
    # The sections attributed to this staff member, so that their items need no answers to find.
    sections: Mapped[list] = mapped_column(JSON, default=list)
    earned: Mapped[float]
    possible: Mapped[float]

    visit: Mapped[Visit] = relationship(back_populates="staff_results")
    staff: Mapped[Staff] = relationship()

    __table_args__ = (
        UniqueConstraint("visit_id", "staff_id"),
        Index("ix_staff_results_staff_finished", "staff_id", "finished_at"),
        # Covers leaderboards: grouped by staff in index order, no table reads and no sort.
        Index("ix_staff_results_leaderboard", "counted", "staff_id", "finished_at", "branch_id", "earned", "possible"),
    )
