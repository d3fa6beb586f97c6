"""Find the staff members and branches whose performance a user may read."""

from __future__ import annotations

from sqlalchemy import select

from .. import access
from ..auth.models import User
from ..extensions import db
from ..org.models import Branch, Staff
from ..problems import NotFound


def reportable_staff(user: User, code: str) -> Staff:
    """Return the staff member if the user may read their performance; NotFound otherwise."""
    member = db.session.scalar(select(Staff).where(Staff.code == code))
    if member is None or not access.can(user, "reports.view", member.branch):
        raise NotFound(f"no staff member {code}")
    return member


def reportable_branch(user: User, code: str) -> Branch:
    """Return the branch if the user may read its performance; NotFound otherwise."""
    branch = db.session.scalar(select(Branch).where(Branch.code == code))
    if branch is None or not access.can(user, "reports.view", branch):
        raise NotFound(f"no branch {code}")
    return branch


def scoped_regions(user: User) -> list[str]:
    """Return the regions of the branches the user works with."""
    return sorted(set(db.session.scalars(select(Branch.region).where(Branch.active, access.branch_filter(user)))))
