"""Find the staff members and branches whose performance a user may read."""

from __future__ import annotations

from dataclasses import dataclass, field

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
        raise NotFound("no staff member %(code)s", code=code)
    return member


def reportable_branch(user: User, code: str) -> Branch:
    """Return the branch if the user may read its performance; NotFound otherwise."""
    branch = db.session.scalar(select(Branch).where(Branch.code == code))
    if branch is None or not access.can(user, "reports.view", branch):
        raise NotFound("no branch %(code)s", code=code)
    return branch


@dataclass
class ScopeFilters:
    """A page's branch and region filter, chosen among the user's own; a value that is none of them is named."""

    branches: list[Branch] = field(default_factory=list)  # what the branch picker lists
    regions: list[str] = field(default_factory=list)  # what the region picker lists
    branch: Branch | None = None
    region: str | None = None
    unknown_branch: str | None = None  # asked for, but not a branch the user reads: ignored, and said so
    unknown_region: str | None = None

    @property
    def unknown(self) -> bool:
        return bool(self.unknown_branch or self.unknown_region)


def scope_filters(user: User, branch_code: str = "", region: str = "") -> ScopeFilters:
    """Read a branch code and a region against the user's scope, for pickers that list only those."""
    branches = list(db.session.scalars(access.scoped_branches(user)))
    found = ScopeFilters(branches=branches, regions=sorted({branch.region for branch in branches}))
    branch_code, region = branch_code.strip(), region.strip()
    if branch_code:
        found.branch = _scoped_branch(user, branches, branch_code)
        if found.branch is None:
            found.unknown_branch = branch_code
        elif found.branch not in branches:  # deactivated, but its history is still read
            branches.append(found.branch)
    if region:
        known = {name.casefold(): name for name in found.regions}
        found.region = known.get(region.casefold())
        if found.region is None:
            found.unknown_region = region
    return found


def _scoped_branch(user: User, branches: list[Branch], code: str) -> Branch | None:
    """Return the branch of this code (exactly, else ignoring case) that the user reads, or None."""
    exact = next((branch for branch in branches if branch.code == code), None)
    if exact is not None:
        return exact
    alike = [branch for branch in branches if branch.code.casefold() == code.casefold()]
    if len(alike) == 1:
        return alike[0]
    inactive = db.session.scalar(select(Branch).where(Branch.code == code, Branch.active.is_(False)))
    return inactive if inactive is not None and access.can(user, "reports.view", inactive) else None
