"""Plans: read a rule, preview the assignments it makes from who may go where, and create them in one go."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select
from sqlalchemy.orm import selectinload

from .. import access
from ..audit.services import record
from ..auth.models import Role, User
from ..extensions import db
from ..lifecycle import PLANNED_ASSIGNMENTS, AssignmentStatus
from ..org.models import Branch, Staff
from ..problems import Conflict, Invalid
from ..texts import check_length
from . import generate
from .models import Assignment, Plan
from .services import EARLIEST_YEAR, LATEST_YEAR, SCENARIO_CHARS, announce_new, assignable_checklist

# At most one visit a day in the shortest month, so that no window is empty.
MAX_MONTHS, MAX_PER_MONTH, NAME_CHARS = 24, 28, 200


@dataclass
class PlanRequest:
    name: str
    region: str
    first_month: date
    months: int
    counts: dict[str, int]  # checklist id -> visits per branch and month
    window_days: int | None = None
    scenario: str = ""
    brief: str = ""


@dataclass
class Preview:
    request: PlanRequest
    planned: list[generate.Planned]
    branches: dict[int, Branch]
    people: dict[int, User]
    digest: str
    per_person: list[tuple[User, int]] = field(default_factory=list)
    per_month: list[tuple[str, int]] = field(default_factory=list)

    @property
    def unstaffed(self) -> int:
        return sum(1 for planned in self.planned if planned.assignee_id is None)


def preview(actor: User, request: PlanRequest, presence, timezone: str, progress=None) -> Preview:
    """Work out the plan without writing anything; `presence(people, branches, since)` lists earlier visits.

    `progress(months)` is told how many of the plan's months are worked out, after each one.
    """
    access.require(actor, "plans.manage")
    rule, branches = _rule(actor, request, timezone)
    people = _people(request, branches, rule)
    since = datetime.combine(rule.first_month - timedelta(days=rule.gap_days), time(), ZoneInfo(timezone))
    # Work already planned counts for the rules and in the digest, so that creating a plan twice fails.
    planned_before = _assigned_since(people, branches, since)
    history = planned_before + presence(list(people), list(branches), since)
    planned = generate.generate(rule, list(branches), [person for person, _ in people.values()],
                                access.ANONYMOUS_KINDS, history, progress)
    users = {person_id: user for person_id, (_, user) in people.items()}
    result = Preview(request, planned, branches, users, generate.digest(planned, len(planned_before)))
    load = Counter(p.assignee_id for p in planned if p.assignee_id is not None)
    result.per_person = sorted(((users[i], n) for i, n in load.items()), key=lambda pair: (-pair[1], pair[0].name))
    months = Counter(p.window_start.astimezone(ZoneInfo(timezone)).strftime("%Y-%m") for p in planned)
    result.per_month = sorted(months.items())
    return result


def planned_visits(actor: User, request: PlanRequest) -> int:
    """Return how many visits the plan asks for: its region's branches in the user's scope, months, visits a month."""
    branches = db.session.scalar(select(func.count()).select_from(
        access.scoped_branches(actor).where(Branch.region == request.region).order_by(None).subquery()))
    return branches * request.months * sum(max(count, 0) for count in request.counts.values())


def create(actor: User, request: PlanRequest, expected_digest: str, presence, timezone: str) -> Plan:
    """Create the previewed plan's assignments; Conflict if the plan would differ from the preview. Flush only."""
    shown = preview(actor, request, presence, timezone)
    if shown.digest != expected_digest:
        raise Conflict("assignments or people changed since the preview: look at the plan again before creating it")
    staffed = [planned for planned in shown.planned if planned.assignee_id is not None]
    plan = Plan(name=request.name or request.region, created_by_id=actor.id, assignments_count=len(staffed),
                rule={"region": request.region, "first_month": request.first_month.isoformat(),
                      "months": request.months, "counts": request.counts, "window_days": request.window_days,
                      "scenario": request.scenario})
    db.session.add(plan)
    db.session.flush()
    if staffed:
        db.session.execute(insert(Assignment), [{
            "plan_id": plan.id, "branch_id": p.branch_id, "checklist_id": p.checklist_id, "kind": p.kind,
            "assignee_id": p.assignee_id, "window_start": p.window_start, "window_end": p.window_end,
            "scenario": request.scenario.strip(), "brief": request.brief.strip(), "status": AssignmentStatus.ASSIGNED,
            "decline_reason": "", "created_by_id": actor.id} for p in staffed])
    record("plan_create", actor, str(plan.id), {"region": request.region, "assignments": len(staffed)})
    _announce(plan)
    return plan


def _announce(plan: Plan) -> None:
    """Tell each person once about all their new assignments of the plan."""
    first_by_person: dict[int, list[Assignment]] = {}
    for assignment in db.session.scalars(select(Assignment).where(Assignment.plan_id == plan.id)
                                         .options(selectinload(Assignment.branch), selectinload(Assignment.assignee))
                                         .order_by(Assignment.window_start, Assignment.id)):
        first_by_person.setdefault(assignment.assignee_id, []).append(assignment)
    for assignments in first_by_person.values():
        announce_new(assignments[0].assignee, assignments)


def _rule(actor: User, request: PlanRequest, timezone: str) -> tuple[generate.Rule, dict[int, Branch]]:
    if not 1 <= request.months <= MAX_MONTHS:
        raise Invalid.about("months", "plan_months", f"a plan covers 1 to {MAX_MONTHS} months")
    if not EARLIEST_YEAR <= request.first_month.year <= LATEST_YEAR - 2:
        raise Invalid.about("first_month", "implausible_date", "the first month is not plausible")
    if len(request.name) > NAME_CHARS:
        raise Invalid.about("name", "text_too_long", f"name has at most {NAME_CHARS} characters")
    if request.window_days is not None and not 1 <= request.window_days <= 31:
        raise Invalid.about("window_days", "plan_window_days", "a window lasts 1 to 31 days")
    if len(request.scenario) > SCENARIO_CHARS:
        raise Invalid.about("scenario", "text_too_long", f"scenario has at most {SCENARIO_CHARS} characters")
    check_length("brief", request.brief)
    slots = []
    for checklist_id, count in request.counts.items():
        if not 0 <= count <= MAX_PER_MONTH:
            raise Invalid.about(f"count.{checklist_id}", "plan_count", f"0 to {MAX_PER_MONTH} visits a month")
        if count:
            checklist = assignable_checklist(checklist_id)
            slots.append(generate.Slot(checklist.id, checklist.kind, count))
    if not slots:
        raise Invalid.about("counts", "plan_empty", "plan at least one visit a month")
    branches = {b.id: b for b in db.session.scalars(access.scoped_branches(actor).where(
        Branch.region == request.region))}
    if not branches:
        raise Invalid.about("region", "plan_region", f"no active branch of region '{request.region}' in your scope")
    return generate.Rule(request.first_month.replace(day=1), request.months, tuple(slots), timezone,
                         request.window_days), branches


def _people(request: PlanRequest, branches: dict[int, Branch],
            rule: generate.Rule) -> dict[int, tuple[generate.Person, User]]:
    """Return who may take the plan's visits: active inspectors and shoppers, with where they may work."""
    kinds = {slot.kind for slot in rule.slots}
    users = db.session.scalars(select(User).where(User.active, User.role.in_([Role.INSPECTOR, Role.SHOPPER]))
                               .options(selectinload(User.branches), selectinload(User.region_rows))
                               .order_by(User.id)).all()
    known: dict[str, set[int]] = {}
    for email, branch_id in db.session.execute(select(Staff.email, Staff.branch_id).where(Staff.email.is_not(None))):
        known.setdefault(email, set()).add(branch_id)
    people = {}
    for user in users:
        their_kinds = access.fill_kinds(user) & kinds
        where = frozenset(b_id for b_id, branch in branches.items() if access.in_scope(user, branch))
        if their_kinds and where:
            person = generate.Person(user.id, frozenset(their_kinds), where, frozenset(known.get(user.email, ())))
            people[user.id] = (person, user)
    return people


def _assigned_since(people: dict, branches: dict, since: datetime) -> list[tuple[int, int, datetime]]:
    """Return (person, branch, window start) of assignments already planned from `since` on."""
    return [tuple(row) for row in db.session.execute(select(
        Assignment.assignee_id, Assignment.branch_id, Assignment.window_start).where(
        Assignment.status.in_(PLANNED_ASSIGNMENTS), Assignment.window_start >= since,
        Assignment.assignee_id.in_(list(people)), Assignment.branch_id.in_(list(branches))))]

