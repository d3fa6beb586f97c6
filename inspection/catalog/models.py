"""Frozen checklist versions: the exact checklist every visit was scored with."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from ..db import UTCDateTime, utcnow
from ..extensions import db


class ChecklistVersion(db.Model):
    """A frozen copy of a checklist, shared by every visit scored with it."""

    __tablename__ = "checklist_versions"

    version: Mapped[str] = mapped_column(String(64), primary_key=True)
    checklist_id: Mapped[str] = mapped_column(String(100), index=True)
    title: Mapped[str] = mapped_column(String(300))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


def insert_missing_versions(dialect: str, rows: list[dict]):
    """Return an INSERT of version rows that skips versions already stored, even by a concurrent writer."""
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return insert(ChecklistVersion).values(rows).on_conflict_do_nothing(index_elements=["version"])
