"""What appeals add to pages: rates by evaluator and by item, a staff member's amended visits, the home page's lists."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import and_, case, exists, func, select
from sqlalchemy.orm import selectinload

from .. import access, localtime
from ..auth.models import User
from ..catalog.services import frozen_checklist
from ..extensions import db
from ..lifecycle import COUNTED_VISITS, DECIDED_APPEALS, UPHELD_APPEALS, AppealStatus, VisitAction
from ..org.models import Staff
from ..visits.models import Visit, VisitEvent, VisitRevision
from .models import Appeal, AppealItem, ItemOutcome
from .rates import Rates
from .services import appeal_until, appeals_query

HOME_ROWS = 20


@dataclass
class AppealReport:
    start: date
    end: date
    total: Rates = field(default_factory=Rates)
    evaluators: list[tuple[User, Rates]] = field(default_factory=list)
    items: list[tuple[str, str, Rates]] = field(default_factory=list)  # checklist title, item text, rates


def _counted(flag) -> object:
    return func.coalesce(func.sum(case((flag, 1), else_=0)), 0)


def appeal_report(user: User, start: date, end: date) -> AppealReport:
    """Return appeal and upheld rates of the released visits the user sees that were made in the period."""
    low, high = localtime.day_bounds(start, end)
    visits = [access.visit_filter(user, Visit), Visit.status.in_(COUNTED_VISITS),
              Visit.finished_at >= low, Visit.finished_at < high]
    rows = db.session.execute(
        select(Visit.submitter_id, func.count(Visit.id), func.count(Appeal.id),
               _counted(Appeal.status.in_(DECIDED_APPEALS)), _counted(Appeal.status.in_(UPHELD_APPEALS)))
        .outerjoin(Appeal, Appeal.visit_id == Visit.id).where(*visits).group_by(Visit.submitter_id)).all()
    report = AppealReport(start, end)
    people = {person.id: person for person in db.session.scalars(select(User).where(
        User.id.in_([row[0] for row in rows])))}
    for submitter_id, *counts in rows:
        rates = Rates(*counts)
        report.evaluators.append((people[submitter_id], rates))
        for name in ("visits", "appealed", "decided", "upheld"):
            setattr(report.total, name, getattr(report.total, name) + getattr(rates, name))
    report.evaluators.sort(key=lambda row: (-row[1].upheld, -row[1].appealed, row[0].name))
    report.items = _item_rates(visits)
    return report


def _item_rates(visits: list) -> list[tuple[str, str, Rates]]:
    """Return the rates of each item appealed: of the visits of its checklist, how many appealed it; of those decided,
    how many upheld."""
    per_checklist = dict(db.session.execute(
        select(Visit.checklist_id, func.count(Visit.id)).where(*visits).group_by(Visit.checklist_id)).all())
    rows = db.session.execute(
        select(Visit.checklist_id, AppealItem.item_id, func.max(Visit.checklist_version), func.count(AppealItem.id),
               _counted(AppealItem.outcome.is_not(None)), _counted(AppealItem.outcome == ItemOutcome.UPHELD))
        .join(Appeal, AppealItem.appeal_id == Appeal.id).join(Visit, Appeal.visit_id == Visit.id)
        .where(*visits).group_by(Visit.checklist_id, AppealItem.item_id)).all()
    found = []
    for checklist_id, item_id, version, appealed, decided, upheld in rows:
        checklist = frozen_checklist(version)
        item = checklist.item(item_id)
        rates = Rates(per_checklist[checklist_id], appealed, decided, upheld)
        found.append((checklist.title, item.text if item is not None else item_id, rates))
    return sorted(found, key=lambda row: (-row[2].upheld, -row[2].appealed, row[0], row[1]))


def amended_for_staff(staff: Staff, start: date, end: date) -> list[dict]:
    """Return the staff member's visits of the period that an appeal changed, with their score before and after."""
    low, high = localtime.day_bounds(start, end)
    appeals = db.session.scalars(
        select(Appeal).join(Visit, Appeal.visit_id == Visit.id)
        .where(Appeal.decided_version.is_not(None), Visit.branch_id == staff.branch_id,
               Visit.status.in_(COUNTED_VISITS), Visit.finished_at >= low, Visit.finished_at < high)
        .options(selectinload(Appeal.visit).selectinload(Visit.snapshot)).order_by(Visit.finished_at)).all()
    revisions = {(revision.visit_id, revision.version): revision for revision in db.session.scalars(
        select(VisitRevision).where(VisitRevision.visit_id.in_([appeal.visit_id for appeal in appeals])))}
    amended = []
    for appeal in appeals:
        before = revisions[appeal.visit_id, appeal.version].result["staff"].get(staff.code)
        after = revisions[appeal.visit_id, appeal.decided_version].result["staff"].get(staff.code)
        if before or after:
            amended.append({"visit": appeal.visit, "appeal": appeal,
                            "before": before["score"] if before else None, "after": after["score"] if after else None})
    return amended


def appealable_visits(user: User, now: datetime) -> list[tuple[Visit, date]]:
    """Return the released visits the user may appeal now, with the last day to do so, the soonest to close first."""
    # A window closes at the end of the local day APPEAL_DAYS after release: older releases are over.
    first_open = localtime.day_start(localtime.local(now).date() - timedelta(days=current_app.config["APPEAL_DAYS"]))
    # Found from the release steps since then (ix_visit_events_action_at), not by asking every released visit when
    # it was released: a visit is released once, so its latest release is the one in the window.
    released = (select(VisitEvent.visit_id, func.max(VisitEvent.at).label("at"))
                .where(VisitEvent.action == VisitAction.RELEASE, VisitEvent.at >= first_open)
                .group_by(VisitEvent.visit_id).subquery())
    unappealed = ~exists().where(Appeal.visit_id == Visit.id)
    candidates = db.session.scalars(
        select(Visit).join(released, released.c.visit_id == Visit.id)
        .where(and_(access.visit_filter(user, Visit), Visit.status.in_(COUNTED_VISITS)), unappealed)
        .options(selectinload(Visit.branch), selectinload(Visit.snapshot)).order_by(released.c.at, Visit.id)
        .limit(HOME_ROWS)).all()
    found = [(visit, appeal_until(user, visit, now)) for visit in candidates]
    return [(visit, day) for visit, day in found if day is not None]


def open_appeals(user: User) -> tuple[list[Appeal], int]:
    """Return the oldest open appeals the user reads, and how many are open in all."""
    query = appeals_query(user, AppealStatus.OPEN)
    count = db.session.scalar(select(func.count()).select_from(query.subquery()))
    rows = query.options(selectinload(Appeal.branch), selectinload(Appeal.visit).selectinload(Visit.snapshot))
    return db.session.scalars(rows.limit(HOME_ROWS)).all(), count
