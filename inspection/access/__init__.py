"""Who may see and do what: the one place where access is decided.

Views, services and templates ask `can(user, permission, resource)`; services call `require`, which
raises Forbidden (or Conflict, when a lifecycle step is not allowed from the resource's state).
Resources are read by their attributes (branch, submitter_id, status, closed_by_id): this package imports
only users and branches, never the models of the features that ask it, so every feature may import it.
Who holds which branches, as SQL conditions for lists, is in `.scope`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..auth.models import Role, User
from ..lifecycle import (
    ACTIONS,
    APPEALS,
    ASSIGNMENTS,
    CALIBRATIONS,
    COUNTED_VISITS,
    VISITS,
    CalibrationStatus,
    Lifecycle,
    Party,
    VisitStatus,
)
from ..org.models import Branch
from ..problems import BadRequest, Forbidden
from .scope import (
    ALL_KINDS,
    ANONYMOUS_KINDS,
    BRANCH_SIDE,
    CALIBRATION_KINDS,
    REPORT_READERS,
    REVIEWERS,
    appeal_filter,
    assignment_filter,
    branch_filter,
    branch_managers,
    branch_side,
    calibration_filter,
    evaluator_filter,
    fill_kinds,
    in_scope,
    listable_kinds,
    reports_filter,
    scoped_branches,
    visit_filter,
)

# What features ask of the policy besides can/require: the scope's filters live in .scope.
__all__ = [
    "ALL_KINDS", "ANONYMOUS_KINDS", "CALIBRATION_KINDS", "Fill", "appeal_filter", "assignable_refusal",
    "assignment_filter", "branch_filter", "branch_managers", "branch_side", "calibration_filter", "can",
    "evaluator_filter", "fill_kinds", "holds_checklist_permission", "in_scope", "listable_kinds", "reports_filter",
    "require", "require_party", "require_step", "scoped_branches", "steps", "visit_filter",
]

LIFECYCLES: dict[str, Lifecycle] = {"visit": VISITS, "action": ACTIONS, "assignment": ASSIGNMENTS,
                                    "calibration": CALIBRATIONS, "appeal": APPEALS}


@dataclass(frozen=True)
class Fill:
    """A checklist kind about to be filled in at a branch: what a submission asks for."""

    kind: str
    branch: Branch
    status: None = None  # not created yet: the lifecycle's first step


# -- decisions ----------------------------------------------------------------------------------

def _manages(user: User, branch: Branch) -> bool:
    return user.role in REVIEWERS and in_scope(user, branch)


def _reads_reports(user: User, branch: Branch | None) -> bool:
    return user.role in REPORT_READERS and (branch is None or in_scope(user, branch))


def _views_visit(user: User, visit) -> bool:
    if user.role == Role.SHOPPER:
        return visit.submitter_id == user.id
    if user.role in REVIEWERS:
        return in_scope(user, visit.branch)
    if user.role in BRANCH_SIDE:
        return visit.status in COUNTED_VISITS and in_scope(user, visit.branch)
    return visit.kind in fill_kinds(user) and in_scope(user, visit.branch)  # inspectors: their own kinds


def _views_appeal(user: User, appeal) -> bool:
    """Tell whether the user reads an appeal: the branch side of its branch, or a manager of it."""
    return (user.role in BRANCH_SIDE and in_scope(user, appeal.branch)) or _manages(user, appeal.branch)


def _decider_refusal(user: User, appeal) -> Forbidden | None:
    """Return why the user may not decide the appeal: a manager of its branch who did not score the visit decides."""
    if not _manages(user, appeal.branch):
        return Forbidden("only a manager of this branch, or an admin, decides its appeals")
    # Admins too: nobody judges their own scoring. A bare visit names no evaluator here, so it is decided by nobody.
    if getattr(appeal, "evaluator_id", user.id) == user.id:
        return Forbidden("someone other than the visit's evaluator decides an appeal against it")
    return None


def _reads_customer_contact(user: User, action) -> bool:
    """Tell whether the user may read a follow-up's contact: left with consent, read by whoever calls back."""
    response = action.response
    return response is not None and response.consent and bool(response.contact) and _manages(user, action.branch)


def _views_assignment(user: User, assignment) -> bool:
    return assignment.assignee_id == user.id or _manages(user, assignment.branch)


def _evaluates(person: User, fill: Fill) -> bool:
    """Tell whether a person may be one of a calibration's evaluators: does that work there, or manages it."""
    does_the_work = fill.kind in fill_kinds(person) or person.role == Role.MANAGER
    return person.active and fill.kind in CALIBRATION_KINDS and does_the_work and in_scope(person, fill.branch)


def _sees_calibration_results(user: User, exercise) -> bool:
    """Tell whether the user may read an exercise's answers and results: never an evaluator while it is open."""
    takes_part = user.id in exercise.evaluator_ids
    if exercise.status == CalibrationStatus.CLOSED:
        return takes_part or _manages(user, exercise.branch)
    return not takes_part and _manages(user, exercise.branch)


def assignable_refusal(assignee: User, kind: str, branch: Branch) -> Forbidden | None:
    """Return why this person may not be given this kind of visit at the branch, or None if they may."""
    if not assignee.active:
        return Forbidden("%(email)s is not an active account", email=assignee.email)
    return _party_refusal(assignee, Party.FILLER, Fill(kind, branch))


def _names_people(user: User, visit) -> bool:
    """Tell whether the user may know who filled in the visit (never a shopper's name to the branch side)."""
    return visit.kind not in ANONYMOUS_KINDS or visit.submitter_id == user.id or _manages(user, visit.branch)


def holds_checklist_permission(role: str) -> bool:
    """Tell whether an account of this role can be given "manages checklists" (admins always may, others never)."""
    return role == Role.MANAGER


def _locks_out(user: User, change) -> bool:
    """Tell whether an admin's change to an account would take away their own admin rights."""
    return change.user.id == user.id and (change.role != user.role or not change.active)


def _party_refusal(user: User, party: Party, resource) -> Forbidden | None:
    """Return why the user is not this party for the resource, or None if they are."""
    if party is Party.FILLER:
        if resource.kind not in fill_kinds(user) or not resource.branch.active or not in_scope(user, resource.branch):
            return Forbidden("you may not submit a %(kind)s checklist for branch %(code)s", kind=resource.kind,
                             code=resource.branch.code)
    elif party is Party.ASSIGNEE:
        if resource.assignee_id != user.id:
            return Forbidden("only the person it is assigned to does this")
    elif party is Party.SUBMITTER:
        if resource.submitter_id != user.id:
            return Forbidden("only the person who submitted a visit corrects it")
    elif party is Party.BRANCH:
        if user.role not in BRANCH_SIDE or not in_scope(user, resource.branch):
            return Forbidden("only the branch side of branch %(code)s appeals its visits", code=resource.branch.code)
    elif party is Party.APPEAL_DECIDER:
        return _decider_refusal(user, resource)
    elif not _manages(user, resource.branch):
        if party is Party.REVIEWER:
            return Forbidden("only a manager of this branch, or an admin, reviews its visits")
        return Forbidden("only a manager of this branch, or an admin, manages its work")
    elif party is Party.SECOND_MANAGER and resource.closed_by_id == user.id:  # admins too: a second pair of eyes
        return Forbidden("someone other than the person who closed it verifies the action")
    return None


# permission: (user, resource) -> allowed, for everything that is not a lifecycle step.
RULES = {
    "visit.view": _views_visit,
    "visit.identify_people": _names_people,
    # The review before release (returns, corrections and their comments) stays between reviewers and whoever
    # filled the visit in: the branch side reads what was released, and what its appeals changed after.
    "visit.review_trail": lambda user, _: user.role not in BRANCH_SIDE,
    "checklist.fill": lambda user, checklist: checklist.kind in fill_kinds(user),
    "checklist.read": lambda user, checklist: checklist.kind in listable_kinds(user),
    "reports.view": _reads_reports,
    "actions.list": lambda user, _: _reads_reports(user, None),
    "action.view": lambda user, action: _reads_reports(user, action.branch),
    "action.comment": lambda user, action: _manages(user, action.branch),
    "action.customer_contact": _reads_customer_contact,
    "visit.open_action": lambda user, visit: visit.status == VisitStatus.RELEASED and _manages(user, visit.branch),
    "admin.manage": lambda user, _: user.role == Role.ADMIN,
    "users.manage": lambda user, _: user.role == Role.ADMIN,
    "users.edit": lambda user, change: user.role == Role.ADMIN and not _locks_out(user, change),
    "audit.read": lambda user, _: user.role == Role.ADMIN,
    "catalog.problems": lambda user, _: user.role == Role.ADMIN,
    "checklists.manage": lambda user, _: user.role == Role.ADMIN or (
        holds_checklist_permission(user.role) and bool(user.manages_checklists)),
    "assignment.view": _views_assignment,
    "plans.manage": lambda user, _: user.role in REVIEWERS,
    # Field work (assignments, the outbox): for whoever fills checklists in or plans them; not the branch side.
    "assignments.list": lambda user, _: bool(fill_kinds(user)) or user.role in REVIEWERS,
    # Customer survey links and their posters: of one branch, or (None) of some branch in the user's scope.
    "surveys.manage": lambda user, branch: _manages(user, branch) if branch is not None else user.role in REVIEWERS,
    "coverage.view": lambda user, _: user.role in REVIEWERS,
    "visits.by_submitter": lambda user, _: user.role in REVIEWERS,
    # Evidence integrity (trust score and its reasons): for who reviews the visit; a list sorted by trust
    # holds only visits of the reviewer's own branches.
    "visit.integrity": lambda user, visit: _manages(user, visit.branch),
    "visits.trust": lambda user, _: user.role in REVIEWERS,
    "notification.view": lambda user, notification: notification.user_id == user.id,
    # Calibration exercises: evaluators score one target; their scores never count as visits.
    "calibrations.list": lambda user, _: user.role in REVIEWERS or bool(fill_kinds(user)),
    "calibrations.manage": lambda user, _: user.role in REVIEWERS,
    "calibration.evaluate": _evaluates,  # asked of the person to be chosen, about Fill(kind, branch)
    "calibration.manage": lambda user, exercise: _manages(user, exercise.branch),
    "calibration.view": lambda user, exercise: user.id in exercise.evaluator_ids or _manages(user, exercise.branch),
    "calibration.score": lambda user, exercise: (user.id in exercise.evaluator_ids
                                                 and exercise.status == CalibrationStatus.OPEN),
    "calibration.results": _sees_calibration_results,
    # Appeals: the branch side lists its own, reviewers those of their branches; the rates are for reviewers.
    "appeals.list": lambda user, _: user.role in REVIEWERS | BRANCH_SIDE,
    "appeal.view": _views_appeal,
    "appeals.report": lambda user, _: user.role in REVIEWERS,
    # Jobs: their pages and files are their creator's alone; admins read every job's failures and retry them.
    "job.view": lambda user, job: job.created_by_id == user.id,
    "jobs.admin": lambda user, _: user.role == Role.ADMIN,
    # Every scorecard of a period in one ZIP, of the branches and staff the user reads reports of.
    "scorecards.bulk": lambda user, _: user.role in REVIEWERS,
}


def _step(permission: str) -> tuple[Lifecycle, str] | None:
    noun, _, step = permission.partition(".")
    lifecycle = LIFECYCLES.get(noun)
    return (lifecycle, step) if lifecycle is not None and lifecycle.knows(step) else None


def can(user: User, permission: str, resource=None) -> bool:
    """Tell whether the user may do this now (for a lifecycle step: the resource's state allows it too)."""
    if not getattr(user, "is_authenticated", False):
        return False
    step = _step(permission)
    if step is None:
        return permission in RULES and RULES[permission](user, resource)
    lifecycle, action = step
    return lifecycle.allows(resource.status, action) and _party_refusal(user, lifecycle.party(action), resource) is None


def require(user: User, permission: str, resource=None) -> None:
    """Raise Forbidden unless the user may; for a lifecycle step, Conflict if the state does not allow it."""
    step = _step(permission)
    if step is None:
        if permission not in RULES:
            raise BadRequest("there is no step '%(step)s'", step=permission)
        if not RULES[permission](user, resource):
            raise Forbidden("you may not %(what)s", what=permission.replace(".", " "))
        return
    require_party(user, permission, resource)
    step[0].rule(resource.status, step[1])


def require_step(user: User, noun: str, step: str, resource) -> None:
    """Require a lifecycle step by name (never another permission): BadRequest if it is not a step."""
    if not LIFECYCLES[noun].knows(step):
        raise BadRequest("there is no %(noun)s step '%(step)s'", noun=noun, step=step)
    require(user, f"{noun}.{step}", resource)


def require_party(user: User, permission: str, resource) -> None:
    """Raise Forbidden unless the user is the party of this lifecycle step, whatever the resource's state."""
    lifecycle, action = _step(permission)
    refusal = _party_refusal(user, lifecycle.party(action), resource)
    if refusal:
        raise refusal


def steps(user: User, noun: str, resource) -> list[str]:
    """Return the lifecycle steps the user may take on the resource now, in table order."""
    lifecycle = LIFECYCLES[noun]
    return [action for action in lifecycle.actions_from(resource.status)
            if _party_refusal(user, lifecycle.party(action), resource) is None]
