"""Branches and the staff who work in them."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db


class Branch(db.Model):
    __tablename__ = "branches"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(100), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    active: Mapped[bool] = mapped_column(default=True)
    # Where the branch is (WGS 84 degrees), both or neither: photos taken far from it are pointed out.
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]

    staff: Mapped[list[Staff]] = relationship(back_populates="branch", order_by="Staff.code")

    def __repr__(self) -> str:
        return f"<Branch {self.code}>"


class Staff(db.Model):
    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    branch_id: Mapped[int] = mapped_column(ForeignKey("branches.id"))
    position: Mapped[str] = mapped_column(String(100), default="")
    active: Mapped[bool] = mapped_column(default=True)
    # Who this person is when they also work for us (a shopper who was staff is known there): matched to users.
    email: Mapped[str | None] = mapped_column(String(254), index=True)

    branch: Mapped[Branch] = relationship(back_populates="staff")

    __table_args__ = (Index("ix_staff_branch_active", "branch_id", "active"),)

    def __repr__(self) -> str:
        return f"<Staff {self.code}>"
