"""Users, their roles and the branches or regions they may see."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, String, Table, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import UTCDateTime, enum_type, utcnow
from ..extensions import db
from ..org.models import Branch


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    INSPECTOR = "inspector"
    SHOPPER = "shopper"
    BRANCH = "branch"  # 营业厅负责人: reads its own branches' released work and appeals it, submits no visit


ROLES = tuple(role.value for role in Role)

user_branches = Table(
    "user_branches",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("branch_id", ForeignKey("branches.id", ondelete="CASCADE"), primary_key=True),
)


class UserRegion(db.Model):
    __tablename__ = "user_regions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    region: Mapped[str] = mapped_column(String(100), primary_key=True)


class User(db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[Role] = mapped_column(enum_type(Role, "role"))
    password_hash: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(10))
    active: Mapped[bool] = mapped_column(default=True)
    # A manager given this may add, change and retire checklists (administrators always may).
    manages_checklists: Mapped[bool] = mapped_column(default=False, server_default=false())

    branches: Mapped[list[Branch]] = relationship(secondary=user_branches, order_by=Branch.code)
    region_rows: Mapped[list[UserRegion]] = relationship(cascade="all, delete-orphan")

    @property
    def regions(self) -> list[str]:
        return sorted(row.region for row in self.region_rows)

    # Flask-Login's user protocol.
    @property
    def is_active(self) -> bool:
        return self.active

    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        return str(self.id)

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class UserSession(db.Model):
    """A signed-in browser: its cookie holds a token, this row the token's hash, so that signing out ends it."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()
