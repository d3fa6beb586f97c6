"""The audit log: who did what, when and from where; rows are only ever added."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import db


class AuditEvent(db.Model):
    """One audited event. Migration 0008 adds triggers by which the database refuses to change or remove one."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Named by table, not imported: every feature records events, so this package imports none of them.
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # The actor's e-mail at the time, or the e-mail tried by a failed sign-in.
    actor: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(45), default="")
    details: Mapped[dict] = mapped_column(JSON, default=dict)

    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        Index("ix_audit_events_action_at", "action", "at"),
        Index("ix_audit_events_actor_at", "actor", "at"),
    )
