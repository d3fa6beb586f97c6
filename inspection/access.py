"""Who may see and do what: the one place where access is decided."""

from __future__ import annotations

from sqlalchemy import Select, false, or_, select, true

from .auth.models import User, UserRegion, user_branches
from .org.models import Branch
from .visits.models import Visit

# Which checklist kinds each role may fill in.
SUBMIT_KINDS = {
    "admin": {"inspection", "mystery_shop", "survey", "call_qc"},
    "manager": set(),
    "inspector": {"inspection", "call_qc"},
    "shopper": {"mystery_shop", "survey"},
}


def listable_kinds(user: User) -> set[str]:
    """Return the checklist kinds the user may read: what they fill in, or all for reviewers."""
    if user.role in ("admin", "manager"):
        return SUBMIT_KINDS["admin"]
    return SUBMIT_KINDS[user.role]


def branch_filter(user: User):
    """Return a SQL condition on Branch for the branches in the user's scope."""
    if user.role == "admin":
        return true()
    by_branch = Branch.id.in_(select(user_branches.c.branch_id).where(user_branches.c.user_id == user.id))
    by_region = Branch.region.in_(select(UserRegion.region).where(UserRegion.user_id == user.id))
    return or_(by_branch, by_region)


def scoped_branches(user: User) -> Select:
    """Return a query of the active branches the user works with."""
    return select(Branch).where(Branch.active, branch_filter(user)).order_by(Branch.code)


def in_scope(user: User, branch: Branch) -> bool:
    """Tell whether the branch is in the user's scope."""
    if user.role == "admin":
        return True
    return branch in user.branches or branch.region in user.regions


def can_submit(user: User, kind: str, branch: Branch) -> bool:
    """Tell whether the user may submit a checklist of this kind for this branch."""
    return kind in SUBMIT_KINDS[user.role] and branch.active and in_scope(user, branch)


def visit_filter(user: User):
    """Return a SQL condition on Visit for the visits the user may see."""
    if user.role == "admin":
        return true()
    if user.role == "shopper":
        return Visit.submitter_id == user.id
    if user.role in ("manager", "inspector"):
        return Visit.branch_id.in_(select(Branch.id).where(branch_filter(user)))
    return false()


def can_view_reports(user: User, branch: Branch) -> bool:
    """Tell whether the user may read a branch's or its staff's performance."""
    return user.role != "shopper" and in_scope(user, branch)


def can_manage(user: User, branch: Branch) -> bool:
    """Tell whether the user reviews the branch's visits and manages its corrective actions."""
    return user.role in ("admin", "manager") and in_scope(user, branch)


def can_review(user: User, visit: Visit) -> bool:
    """Tell whether the user may review (start, release, return) the visit."""
    return can_manage(user, visit.branch)


def reports_filter(user: User):
    """Return a SQL condition on Branch for the branches whose performance and actions the user reads."""
    return false() if user.role == "shopper" else branch_filter(user)


def can_view_visit(user: User, visit: Visit) -> bool:
    """Tell whether the user may see this visit."""
    if user.role == "shopper":
        return visit.submitter_id == user.id
    return in_scope(user, visit.branch)
