"""Notifications: something a user should know about, shown in the app and, when mail is on, e-mailed once."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..db import UTCDateTime, enum_type, utcnow
from ..extensions import db


class MailState(StrEnum):
    NONE = "none"  # not to be e-mailed: mail is off, or the user cannot receive it
    PENDING = "pending"
    SENDING = "sending"  # claimed by a sender; never picked up again, so that no mail goes out twice
    SENT = "sent"
    FAILED = "failed"


class Notification(db.Model):
    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    # What the texts are made of; they are rendered when shown or sent, in the reader's language.
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set by producers that may run more than once for the same event: a user gets one notification per key.
    key: Mapped[str | None] = mapped_column(String(200))
    mail_state: Mapped[MailState] = mapped_column(enum_type(MailState, "mail_state"), default=MailState.NONE)
    mail_attempts: Mapped[int] = mapped_column(default=0)  # failed attempts so far
    # When pending: not before then. When sending: when the row was claimed, so that a crash's leftovers show.
    mail_next_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    mail_error: Mapped[str] = mapped_column(Text, default="")
    mail_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    __table_args__ = (
        UniqueConstraint("user_id", "key"),
        Index("ix_notifications_user_read", "user_id", "read_at"),
        Index("ix_notifications_mail_due", "mail_state", "mail_next_at"),
    )
