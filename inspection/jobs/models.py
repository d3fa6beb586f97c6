"""Jobs: work done apart from the request that asked for it, with its state, progress and outcome."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import UTCDateTime, enum_type, utcnow
from ..extensions import db


class JobKind(StrEnum):
    BULK_SCORECARDS = "scorecards.bulk"  # what the user asked for: its parts and then its ZIP do the work
    BULK_PART = "scorecards.part"  # a batch of a bulk job's scorecards
    BULK_ZIP = "scorecards.zip"  # a bulk job's scorecards put into one ZIP, once every part is done
    VISIT_SCORECARD = "scorecards.visit"
    EXPORT = "exports.file"
    MAIL = "notifications.send"
    PLAN = "plans.create"


class JobStatus(StrEnum):
    QUEUED = "queued"  # waiting for its first attempt, or for the next one after a failure
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # its last attempt failed, or it cannot succeed: `error` says why


class Job(db.Model):
    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # a random UUID's hex: job pages are not guessed
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"))
    kind: Mapped[JobKind] = mapped_column(enum_type(JobKind, "job_kind"))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    # The same request by the same user for the same inputs: one job while it waits, runs or keeps its file;
    # cleared when it fails or its file expires, so that asking again makes a new one.
    key: Mapped[str | None] = mapped_column(String(64), unique=True)
    status: Mapped[JobStatus] = mapped_column(enum_type(JobStatus, "job_status"), default=JobStatus.QUEUED)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")  # the last failure, for admins
    # A failure the user can act on (a Problem): its English template and params, shown in the reader's language.
    problem: Mapped[dict | None] = mapped_column(JSON)
    result: Mapped[str | None] = mapped_column(String(200))  # the stored output's name (jobs/outputs.py)
    filename: Mapped[str | None] = mapped_column(String(200))  # what the download is called
    link: Mapped[str | None] = mapped_column(String(300))  # where to look at what a job without a file made
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User | None] = relationship()

    __table_args__ = (
        Index("ix_jobs_parent_id", "parent_id"),
        Index("ix_jobs_status_finished", "status", "finished_at"),
        Index("ix_jobs_created_by_id", "created_by_id"),
    )
