"""Whose scope holds what: the role sets and the SQL conditions the policy filters lists by.

Part of the access policy (see the package): decisions live in `inspection.access`, which re-exports these.
"""

from __future__ import annotations

from sqlalchemy import and_, false, or_, select, true, union

from ..auth.models import Role, User, UserRegion, user_branches
from ..lifecycle import COUNTED_VISITS
from ..org.models import Branch

ALL_KINDS = frozenset({"inspection", "mystery_shop", "survey", "call_qc"})
# Which checklist kinds each role fills in.
FILL_KINDS = {
    Role.ADMIN: ALL_KINDS,
    Role.MANAGER: frozenset(),
    Role.INSPECTOR: frozenset({"inspection", "call_qc"}),
    Role.SHOPPER: frozenset({"mystery_shop", "survey"}),
    Role.BRANCH: frozenset(),
}
REVIEWERS = frozenset({Role.ADMIN, Role.MANAGER})
# The branch side reads its own branches' visits once released (never before), and every standard it is held to.
BRANCH_SIDE = frozenset({Role.BRANCH})
# Filled in by mystery shoppers, who must stay unknown to the branch side: only reviewers see who they are.
ANONYMOUS_KINDS = frozenset({"mystery_shop", "survey"})
REPORT_READERS = frozenset({Role.ADMIN, Role.MANAGER, Role.INSPECTOR, Role.BRANCH})
# Customers answer surveys: evaluators calibrate on the kinds of work staff do.
CALIBRATION_KINDS = ALL_KINDS - {"survey"}



# -- scope --------------------------------------------------------------------------------------

def in_scope(user: User, branch: Branch) -> bool:
    """Tell whether the branch is in the user's scope."""
    return user.role == Role.ADMIN or branch in user.branches or branch.region in user.regions


def _scope_ids(user: User):
    """Return a query of the ids of the branches in a user's scope: those of their regions, and those named."""
    # One UNION, not two IN lists joined by OR: PostgreSQL then estimates how few branches that is and reads their
    # visits by index, instead of scanning every visit for a scope it guesses to be most branches.
    regions = select(UserRegion.region).where(UserRegion.user_id == user.id)
    named = select(user_branches.c.branch_id).where(user_branches.c.user_id == user.id)
    return union(select(Branch.id).where(Branch.region.in_(regions)), named)


def branch_filter(user: User):
    """Return a SQL condition on Branch for the branches in the user's scope."""
    if user.role == Role.ADMIN:
        return true()
    return Branch.id.in_(_scope_ids(user))


def scoped_branches(user: User):
    """Return a query of the active branches the user works with."""
    return select(Branch).where(Branch.active, branch_filter(user)).order_by(Branch.code)


def _holding(branch: Branch, roles):
    """Return a query of the active users of these roles whose scope holds the branch."""
    by_branch = select(user_branches.c.user_id).where(user_branches.c.branch_id == branch.id)
    by_region = select(UserRegion.user_id).where(UserRegion.region == branch.region)
    return select(User).where(User.active, User.role.in_(sorted(roles)),
                              or_(User.id.in_(by_branch), User.id.in_(by_region))).order_by(User.id)


def branch_managers(branch: Branch):
    """Return a query of the active managers whose scope holds the branch: who hears about its actions."""
    return _holding(branch, {Role.MANAGER})


def branch_side(branch: Branch):
    """Return a query of the active branch-side users whose scope holds the branch: who hears of its released visits."""
    return _holding(branch, BRANCH_SIDE)


def appeal_filter(user: User, branches):
    """Return a SQL condition on `branches` (Branch or an alias) for the branches whose appeals the user reads."""
    return branch_filter(user) if user.role in REVIEWERS | BRANCH_SIDE else false()


def reports_filter(user: User):
    """Return a SQL condition on Branch for the branches whose performance and actions the user reads."""
    return branch_filter(user) if user.role in REPORT_READERS else false()


def visit_filter(user: User, visits):
    """Return a SQL condition on `visits` (the Visit model or an alias of it) for the visits the user sees."""
    if user.role == Role.ADMIN:
        return true()
    if user.role == Role.SHOPPER:
        return visits.submitter_id == user.id
    in_branches = visits.branch_id.in_(_scope_ids(user))
    if user.role in REVIEWERS:
        return in_branches
    if user.role in BRANCH_SIDE:
        return and_(in_branches, visits.status.in_(COUNTED_VISITS))
    return and_(in_branches, visits.kind.in_(sorted(fill_kinds(user))))


def assignment_filter(user: User, assignments):
    """Return a SQL condition on assignments for those the user sees: their own, or their branches' as a manager.

    Nobody else sees one, so an upcoming mystery shop never reaches the branch side.
    """
    if user.role == Role.ADMIN:
        return true()
    own = assignments.assignee_id == user.id
    if user.role in REVIEWERS:
        return or_(own, assignments.branch_id.in_(_scope_ids(user)))
    return own


def calibration_filter(user: User, exercises, participants):
    """Return a SQL condition on calibration exercises for those the user sees: theirs, or their branches'."""
    if user.role == Role.ADMIN:
        return true()
    takes_part = exercises.id.in_(select(participants.exercise_id).where(participants.user_id == user.id))
    if user.role in REVIEWERS:
        return or_(takes_part, exercises.branch_id.in_(_scope_ids(user)))
    return takes_part


def fill_kinds(user: User) -> frozenset[str]:
    """Return the checklist kinds the user fills in."""
    return FILL_KINDS.get(user.role, frozenset())


def listable_kinds(user: User) -> frozenset[str]:
    """Return the checklist kinds the user may read: what they fill in, or every kind for reviewers and branches."""
    return ALL_KINDS if user.role in REVIEWERS | BRANCH_SIDE else fill_kinds(user)


def evaluator_filter(branches: list[Branch]):
    """Return a SQL condition on User for who may evaluate a calibration in one of the branches (as `_evaluates`)."""
    roles = [role for role, kinds in FILL_KINDS.items() if kinds & CALIBRATION_KINDS] + [Role.MANAGER]
    by_branch = User.id.in_(select(user_branches.c.user_id)
                            .where(user_branches.c.branch_id.in_([branch.id for branch in branches])))
    by_region = User.id.in_(select(UserRegion.user_id)
                            .where(UserRegion.region.in_(sorted({branch.region for branch in branches}))))
    in_reach = or_(User.role == Role.ADMIN, by_branch, by_region) if branches else false()
    return and_(User.active, User.role.in_(sorted(roles)), in_reach)
