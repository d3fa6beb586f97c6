"""Customer surveys: public links (QR codes at the counter), the anonymous responses they collect, and the
refusals they count without storing."""

from __future__ import annotations

import uuid as uuid_module
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import UTCDateTime, utcnow
from ..extensions import db
from ..org.models import Branch, Staff


class SurveyLink(db.Model):
    """An unguessable address that lets customers answer a survey checklist about a branch (or a staff badge).

    Rotating a link closes it and opens a new one for the same branch, staff and checklist; a closed link
    answers customers that the survey has ended. Only the newest link of a (checklist, branch, staff) is active.
    """

    __tablename__ = "survey_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    checklist_id: Mapped[str] = mapped_column(String(100))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    branch: Mapped[Branch] = relationship()
    staff: Mapped[Staff | None] = relationship()
    created_by: Mapped[User] = relationship()

    __table_args__ = (Index("ix_survey_links_branch_active", "branch_id", "active"),)


class SurveyResponse(db.Model):
    """One customer's answers: no account, no address, contact details only with consent."""

    __tablename__ = "survey_responses"

    id: Mapped[int] = mapped_column(primary_key=True)
    uuid: Mapped[uuid_module.UUID] = mapped_column(unique=True, default=uuid_module.uuid4)
    link_id: Mapped[int] = mapped_column(ForeignKey("survey_links.id"))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    checklist_id: Mapped[str] = mapped_column(String(100))
    checklist_version: Mapped[str] = mapped_column(ForeignKey("checklist_versions.version"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    answers: Mapped[dict] = mapped_column(JSON)
    result: Mapped[dict] = mapped_column(JSON)  # the engine's Result.to_dict(): score, dimensions, servqual gap
    score: Mapped[float | None]
    servqual_gap: Mapped[float | None]
    comment: Mapped[str] = mapped_column(Text, default="")
    consent: Mapped[bool] = mapped_column(default=False)
    contact: Mapped[str | None] = mapped_column(String(200))  # kept only when consent is given
    # The hash of the page stamp the answers came with: a stamp is spent once (a double tap, a replayed POST).
    stamp_digest: Mapped[str | None] = mapped_column(String(64), unique=True)

    link: Mapped[SurveyLink] = relationship()
    branch: Mapped[Branch] = relationship()
    staff: Mapped[Staff | None] = relationship()

    __table_args__ = (Index("ix_survey_responses_branch_submitted", "branch_id", "submitted_at"),
                      Index("ix_survey_responses_staff_submitted", "staff_id", "submitted_at"))


class SurveyRejection(db.Model):
    """How many responses a link refused on a day, and why (rate limit, repeat, honeypot, too fast)."""

    __tablename__ = "survey_rejections"

    id: Mapped[int] = mapped_column(primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("survey_links.id", ondelete="CASCADE"))
    day: Mapped[date]
    reason: Mapped[str] = mapped_column(String(30))
    count: Mapped[int] = mapped_column(default=0)

    __table_args__ = (UniqueConstraint("link_id", "day", "reason"),)
