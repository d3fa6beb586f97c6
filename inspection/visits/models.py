"""Visits: one scored submission of a checklist, with its answers, photos, staff results and trail."""

from __future__ import annotations

import uuid as uuid_module
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..catalog.models import ChecklistVersion
from ..db import UTCDateTime, enum_type, utcnow
from ..extensions import db
from ..lifecycle import VISITS, VisitAction, VisitStatus
from ..org.models import Branch, Staff


class VisitEvent(db.Model):
    """One step of the lifecycle: submit, start, release, return or resubmit."""

    __tablename__ = "visit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[VisitAction] = mapped_column(enum_type(VisitAction, "visit_action"))
    from_status: Mapped[VisitStatus | None] = mapped_column(enum_type(VisitStatus, "from_status"))
    to_status: Mapped[VisitStatus] = mapped_column(enum_type(VisitStatus, "to_status"))
    version: Mapped[int]
    comment: Mapped[str] = mapped_column(Text, default="")
    item_comments: Mapped[dict] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User] = relationship()

    # The visits released lately, found by their step (the home page's appealable visits).
    __table_args__ = (Index("ix_visit_events_action_at", "action", "at", "visit_id"),)


class VisitRevision(db.Model):
    """The content of one version of a visit: times, answers, notes, photos and result."""

    __tablename__ = "visit_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id", ondelete="CASCADE"))
    version: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answers: Mapped[dict] = mapped_column(JSON)
    notes: Mapped[dict] = mapped_column(JSON)
    # [{"item", "name", "sha256"}]: the photo files of this version, kept while any version names them.
    photos: Mapped[list] = mapped_column(JSON, default=list)
    result: Mapped[dict] = mapped_column(JSON)
    # Fingerprint of what the client sent for this version, so that a retry is told from a conflict.
    content_sha256: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User] = relationship()

    __table_args__ = (UniqueConstraint("visit_id", "version"),)


class Visit(db.Model):
    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid_module.UUID] = mapped_column(unique=True)
    checklist_id: Mapped[str] = mapped_column(String(100))
    # The checklist's kind, copied so that the policy can scope by it in SQL (shoppers' work is theirs).
    kind: Mapped[str] = mapped_column(String(20))
    checklist_version: Mapped[str] = mapped_column(ForeignKey("checklist_versions.version"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    submitter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[VisitStatus] = mapped_column(enum_type(VisitStatus, "status"), default=VisitStatus.SUBMITTED)
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
    # Evidence integrity (inspection.integrity): 0-100, and the signals behind it; None until assessed.
    trust: Mapped[float | None]
    integrity: Mapped[list | None] = mapped_column(JSON)

    branch: Mapped[Branch] = relationship()
    submitter: Mapped[User] = relationship(viewonly=True)
    snapshot: Mapped[ChecklistVersion] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="visit", cascade="all, delete-orphan")
    # Every photo ever attached, and (read-only) those of the current version; a correction that drops
    # a photo marks it replaced, so that earlier versions stay traceable.
    all_photos: Mapped[list[Photo]] = relationship(back_populates="visit", cascade="all, delete-orphan",
                                                   order_by="Photo.id")
    photos: Mapped[list[Photo]] = relationship(
        primaryjoin="and_(Visit.id == Photo.visit_id, Photo.replaced_in.is_(None))", order_by="Photo.id",
        viewonly=True)
    staff_results: Mapped[list[StaffResult]] = relationship(
        back_populates="visit", cascade="all, delete-orphan"
    )
    dimensions: Mapped[list[VisitDimension]] = relationship(cascade="all, delete-orphan")
    events: Mapped[list[VisitEvent]] = relationship(order_by=VisitEvent.id, cascade="all, delete-orphan")
    revisions: Mapped[list[VisitRevision]] = relationship(order_by=VisitRevision.version,
                                                          cascade="all, delete-orphan")

    @property
    def awaiting_correction(self) -> bool:
        """Tell whether the visit waits for its submitter to correct it."""
        return VisitAction.RESUBMIT in VISITS.actions_from(self.status)

    __table_args__ = (
        Index("ix_visits_branch_finished", "branch_id", "finished_at"),
        # Reports read the figures from these two without touching a visit's row: the period's released visits of
        # everyone (status first) or of a manager's branches (branch first; also their states and submitters).
        Index("ix_visits_status_finished", "status", "finished_at", "branch_id", "score", "critical_failures"),
        Index("ix_visits_branch_status", "branch_id", "status", "finished_at", "score", "critical_failures",
              "submitter_id"),
        Index("ix_visits_finished", "finished_at", "id"),  # the newest (or oldest) visits, in any scope
        Index("ix_visits_submitter_finished", "submitter_id", "finished_at"),
        Index("ix_visits_checklist_finished", "checklist_id", "finished_at"),
        Index("ix_visits_branch_kind_finished", "branch_id", "kind", "finished_at"),
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
    # Named by content, so a file may serve several rows; written before the commit, collected when unused.
    stored_name: Mapped[str] = mapped_column(String(100), index=True)
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int]
    width: Mapped[int]
    height: Mapped[int]
    taken_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    # Perceptual hash (16 hex digits), to find resized copies in other visits; None on rows stored before it.
    phash: Mapped[str | None] = mapped_column(String(16))
    # The version of the visit that dropped this photo; None while it belongs to the current version.
    replaced_in: Mapped[int | None]

    visit: Mapped[Visit] = relationship(back_populates="all_photos")

    # The same file sent with another visit is found by its hash, over every visit.
    __table_args__ = (Index("ix_photos_sha256", "sha256"),)


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
        # Cover leaderboards, no table reads: the period's results of everyone, or of a manager's branches.
        Index("ix_staff_results_leaderboard", "counted", "finished_at", "staff_id", "branch_id", "earned", "possible"),
        Index("ix_staff_results_branch", "branch_id", "counted", "finished_at", "staff_id", "earned", "possible"),
    )


class StaffMonth(db.Model):
    """One staff member's counted results at one branch in one UTC month, summed (inspection.visits.rollup)."""

    __tablename__ = "staff_months"

    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), primary_key=True)
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"), primary_key=True)
    month: Mapped[date] = mapped_column(Date, primary_key=True)  # its first day
    visits: Mapped[int]
    earned: Mapped[float]
    possible: Mapped[float]
    earned_squares: Mapped[float]
    products: Mapped[float]
    possible_squares: Mapped[float]
