"""Assignments: give a visit to someone, decline, reassign, cancel, and complete it with the visit submitted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from .. import access
from ..audit.services import record
from ..auth.models import User
from ..catalog.services import checklist_title, get_catalog
from ..checklists import Checklist
from ..extensions import db
from ..lifecycle import ASSIGNMENTS, AssignmentStatus, AssignmentStep
from ..notifications.services import notify
from ..org.models import Branch, Staff
from ..problems import Conflict, Forbidden, Invalid, NotFound
from ..texts import check_length
from .models import Assignment, Plan

LONGEST_WINDOW = timedelta(days=366)
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
SCENARIO_CHARS = 200


@dataclass
class Draft:
    """An assignment about to be made: what the policy and the checks read."""

    branch: Branch
    checklist: Checklist
    assignee: User
    window_start: datetime
    window_end: datetime
    scenario: str = ""
    brief: str = ""
    status: None = None  # not made yet: the lifecycle's first step


def assignable_checklist(checklist_id: str) -> Checklist:
    """Return a loaded checklist by id; Invalid naming it otherwise."""
    checklist = get_catalog().checklists.get(checklist_id)
    if checklist is None:
        raise Invalid.about("checklist", "unknown_checklist", f"unknown checklist '{checklist_id}'")
    return checklist


def check_draft(actor: User, draft: Draft) -> None:
    """Refuse an assignment the actor may not make, or one that could not be done as written."""
    if not access.can(actor, "assignment.assign", draft):
        raise Forbidden("you do not manage branch %(code)s", code=draft.branch.code)
    if not (EARLIEST_YEAR <= draft.window_start.year and draft.window_end.year <= LATEST_YEAR):
        raise Invalid.about("window_start", "implausible_date",
                            f"windows lie between {EARLIEST_YEAR} and {LATEST_YEAR}")
    if draft.window_end <= draft.window_start:
        raise Invalid.about("window_end", "window_order", "the window ends before it starts")
    if draft.window_end - draft.window_start > LONGEST_WINDOW:
        raise Invalid.about("window_end", "window_too_long", "a window lasts at most a year")
    if len(draft.scenario) > SCENARIO_CHARS:
        raise Invalid.about("scenario", "text_too_long", f"scenario has at most {SCENARIO_CHARS} characters")
    check_length("brief", draft.brief)
    _check_assignee(draft.assignee, draft.checklist.kind, draft.branch)


def _check_assignee(assignee: User, kind: str, branch: Branch) -> None:
    """Refuse someone who may not do this kind of visit here, or who would be recognised on a mystery shop."""
    refusal = access.assignable_refusal(assignee, kind, branch)
    if refusal:
        raise Invalid.about("assignee", "not_assignable", f"{assignee.email} cannot take this visit: {refusal}")
    if kind in access.ANONYMOUS_KINDS and assignee.email in known_staff_emails(branch):
        raise Invalid.about("assignee", "known_staff", f"{assignee.email} is known staff at branch {branch.code}")


def known_staff_emails(branch: Branch) -> set[str]:
    """Return the e-mail addresses of the people the branch's staff would recognise (past staff included)."""
    return set(db.session.scalars(select(Staff.email).where(Staff.branch_id == branch.id, Staff.email.is_not(None))))


def assign(actor: User, draft: Draft, plan: Plan | None = None, announce: bool = True) -> Assignment:
    """Make one assignment and tell the assignee. Flush only."""
    check_draft(actor, draft)
    assignment = Assignment(
        branch=draft.branch, checklist_id=draft.checklist.id, kind=draft.checklist.kind, assignee=draft.assignee,
        window_start=draft.window_start, window_end=draft.window_end, scenario=draft.scenario.strip(),
        brief=draft.brief.strip(), status=ASSIGNMENTS.rule(None, AssignmentStep.ASSIGN).target,
        created_by_id=actor.id, plan_id=plan.id if plan else None)
    db.session.add(assignment)
    db.session.flush()
    record("assignment_assign", actor, str(assignment.id), {"branch": draft.branch.code,
                                                             "assignee": draft.assignee.email})
    if announce:
        announce_new(draft.assignee, [assignment])
    return assignment


def announce_new(assignee: User, assignments: list[Assignment]) -> None:
    """Tell someone about their new assignments in one notification. Flush only."""
    first = assignments[0]
    link = f"/assignments/{first.id}" if len(assignments) == 1 else "/assignments"
    notify(assignee, "assignment.new", _notice(first, count=len(assignments), scenario=first.scenario), link)


def decline(actor: User, assignment: Assignment, reason: str) -> None:
    """Give an assignment back with a reason, for a manager to reassign. Flush only."""
    access.require_step(actor, "assignment", AssignmentStep.DECLINE, assignment)
    if not reason.strip():
        raise Invalid.about("reason", "reason_missing", "say why you decline it")
    check_length("reason", reason)
    _move(assignment, AssignmentStep.DECLINE, decline_reason=reason.strip())
    record("assignment_decline", actor, str(assignment.id), {})
    for manager in db.session.scalars(access.branch_managers(assignment.branch)):
        _tell(manager, "assignment.declined", assignment, reason.strip())


def reassign(actor: User, assignment: Assignment, assignee: User) -> None:
    """Give an assignment to someone else (or again to the same person after they declined). Flush only."""
    access.require_step(actor, "assignment", AssignmentStep.REASSIGN, assignment)
    _check_assignee(assignee, assignment.kind, assignment.branch)
    previous = assignment.assignee
    _move(assignment, AssignmentStep.REASSIGN, assignee_id=assignee.id, decline_reason="")
    if previous.id != assignee.id:
        _tell(previous, "assignment.cancelled", assignment)
    db.session.expire(assignment, ["assignee"])
    record("assignment_reassign", actor, str(assignment.id), {"assignee": assignee.email})
    announce_new(assignee, [assignment])


def cancel(actor: User, assignment: Assignment) -> None:
    """Drop an assignment that will not be done. Flush only."""
    access.require_step(actor, "assignment", AssignmentStep.CANCEL, assignment)
    previous = assignment.assignee
    _move(assignment, AssignmentStep.CANCEL)
    _tell(previous, "assignment.cancelled", assignment)
    record("assignment_cancel", actor, str(assignment.id), {})


def _tell(user: User, kind: str, assignment: Assignment, comment: str = "") -> None:
    notify(user, kind, _notice(assignment, comment=comment), f"/assignments/{assignment.id}")


def _notice(assignment: Assignment, **more) -> dict:
    """Return what every notice about an assignment says: where, what and when."""
    return {"branch": assignment.branch.code, "branch_name": assignment.branch.name,
            "checklist_title": checklist_title(assignment.checklist_id),
            "window_start": assignment.window_start.isoformat(), "window_end": assignment.window_end.isoformat(),
            **more}


def _move(assignment: Assignment, step: str, **values) -> None:
    """Take a step only if nobody moved the row since it was read (two managers at once), else Conflict."""
    rule = ASSIGNMENTS.rule(assignment.status, step)
    changed = db.session.execute(
        update(Assignment).where(Assignment.id == assignment.id, Assignment.status == rule.source,
                                 Assignment.assignee_id == assignment.assignee_id)
        .values(status=rule.target, **values).execution_options(synchronize_session=False))
    if changed.rowcount != 1:
        raise Conflict("assignment %(id)s was changed meanwhile; reload it and try again", id=assignment.id)
    db.session.expire(assignment)


def visible_assignment(user: User, assignment_id: int) -> Assignment:
    """Return the assignment if the user may see it; NotFound otherwise."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or not access.can(user, "assignment.view", assignment):
        raise NotFound("no assignment %(id)s", id=assignment_id)
    return assignment


def check_for_visit(actor: User, assignment_id: int, checklist_id: str, branch: Branch) -> Assignment:
    """Return the assignment a new visit is submitted against, refusing one that does not fit it."""
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.assignee_id != actor.id:
        raise NotFound("no assignment %(id)s of yours", id=assignment_id)
    if assignment.checklist_id != checklist_id or assignment.branch_id != branch.id:
        raise Invalid.about("assignment", "assignment_mismatch",
                       f"assignment {assignment_id} is for {assignment.checklist_id} at {assignment.branch.code}")
    access.require_step(actor, "assignment", AssignmentStep.COMPLETE, assignment)
    return assignment


def complete(actor: User, assignment: Assignment, visit) -> None:
    """Mark the assignment done by this visit; late when the visit's times fall outside the window. Flush only."""
    late = visit.started_at < assignment.window_start or visit.finished_at > assignment.window_end
    _move(assignment, AssignmentStep.COMPLETE, visit_id=visit.id, late=late)
    record("assignment_complete", actor, str(assignment.id), {"visit": str(visit.uuid), "late": late})


def assignee_by_email(email: str) -> User:
    """Return the account with this e-mail address; Invalid naming it otherwise."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise Invalid.about("assignee", "unknown_user", f"no account '{email}'")
    return user


def branch_by_code(code: str) -> Branch:
    branch = db.session.scalar(select(Branch).where(Branch.code == code.strip()))
    if branch is None:
        raise Invalid.about("branch", "unknown_branch", f"unknown branch '{code}'")
    return branch


def remind_due(today: date, zone: ZoneInfo) -> int:
    """Tell assignees whose open window closes tomorrow (local days); once per assignment. Flush only."""
    tomorrow = datetime.combine(today + timedelta(days=1), time(), zone)
    due = db.session.scalars(select(Assignment).where(
        Assignment.status == AssignmentStatus.ASSIGNED, Assignment.window_end > tomorrow,
        Assignment.window_end <= tomorrow + timedelta(days=1)).options(selectinload(Assignment.branch),
                                                                        selectinload(Assignment.assignee)))
    sent = 0
    for assignment in due:
        sent += notify(assignment.assignee, "assignment.due", _notice(assignment, scenario=assignment.scenario),
                       f"/assignments/{assignment.id}", key=f"due:{assignment.id}") is not None
    return sent


