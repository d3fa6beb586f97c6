"""The review inbox: visits filtered by state, branch, checklist, period and submitter, sorted and counted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from .. import access
from ..auth.models import User
from ..extensions import db
from ..lifecycle import VisitStatus
from ..org.models import Branch
from ..problems import BadRequest
from .models import Visit

SORTS = {
    "newest": (Visit.finished_at.desc(), Visit.id.desc()),
    "oldest": (Visit.finished_at.asc(), Visit.id.asc()),
    "lowest": (Visit.score.is_(None), Visit.score.asc(), Visit.finished_at.desc()),
    "highest": (Visit.score.is_(None), Visit.score.desc(), Visit.finished_at.desc()),
    # Most doubtful evidence first (inspection.integrity); visits not assessed yet last.
    "trust": (Visit.trust.is_(None), Visit.trust.asc(), Visit.finished_at.desc()),
}
# Orders that only some may ask for, by the permission they need.
RESTRICTED_SORTS = {"trust": "visits.trust"}


@dataclass
class Filters:
    status: str = ""
    branch: str = ""
    checklist: str = ""
    start: date | None = None
    end: date | None = None
    submitter: int | None = None
    sort: str = "newest"

    def check(self) -> None:
        """Refuse values no list could hold, naming them."""
        if self.status and self.status not in VisitStatus.__members__.values():
            raise BadRequest("unknown status '%(status)s': use %(states)s", status=self.status,
                             states=", ".join(VisitStatus))
        if self.sort not in SORTS:
            raise BadRequest("unknown order '%(order)s': use %(orders)s", order=self.sort,
                             orders=", ".join(SORTS))
        if self.start and self.end and self.start > self.end:
            raise BadRequest("the period starts after it ends")


def _conditions(user: User, filters: Filters, zone: ZoneInfo) -> list:
    conditions = [access.visit_filter(user, Visit)]
    if filters.status:
        conditions.append(Visit.status == VisitStatus(filters.status))
    if filters.branch:
        conditions.append(Visit.branch_id.in_(select(Branch.id).where(Branch.code == filters.branch)))
    if filters.checklist:
        conditions.append(Visit.checklist_id == filters.checklist)
    if filters.start:
        conditions.append(Visit.finished_at >= datetime.combine(filters.start, time(), zone))
    if filters.end:
        conditions.append(Visit.finished_at < datetime.combine(filters.end + timedelta(days=1), time(), zone))
    # Only reviewers filter by who submitted: the branch side must not pick out a shopper's visits.
    if filters.submitter is not None and access.can(user, "visits.by_submitter"):
        conditions.append(Visit.submitter_id == filters.submitter)
    return conditions


def inbox(user: User, filters: Filters, zone: ZoneInfo, page: int, size: int,
          counts: dict[str, int] | None = None) -> tuple[list[Visit], int]:
    """Return one page of the visits the user sees under these filters, and how many there are in all.

    Given the user's `status_counts`, a list narrowed by state alone takes its total from them instead of counting
    every visit in scope a second time.
    """
    if filters.sort in RESTRICTED_SORTS:
        access.require(user, RESTRICTED_SORTS[filters.sort])
    conditions = _conditions(user, filters, zone)
    total = _counted_total(filters, counts)
    if total is None:
        total = db.session.scalar(select(func.count()).select_from(Visit).where(*conditions))
    rows = db.session.scalars(select(Visit).where(*conditions).order_by(*SORTS[filters.sort])
                              .options(selectinload(Visit.branch), selectinload(Visit.snapshot),
                                       selectinload(Visit.submitter))
                              .offset((page - 1) * size).limit(size)).all()
    return list(rows), total


def _counted_total(filters: Filters, counts: dict[str, int] | None) -> int | None:
    """Return the list's total from the counts per state when only the state narrows it; None otherwise."""
    narrowing = (filters.branch, filters.checklist, filters.start, filters.end, filters.submitter)
    if counts is None or any(value not in (None, "") for value in narrowing):
        return None
    return counts[filters.status] if filters.status else sum(counts.values())


def status_counts(user: User, states: tuple[VisitStatus, ...] = tuple(VisitStatus)) -> dict[str, int]:
    """Return how many visits the user sees in each state (of those asked for), in one query."""
    # Asked for the states still under review only, the count skips the released visits: nearly all of them.
    query = select(Visit.status, func.count()).where(access.visit_filter(user, Visit), Visit.status.in_(states))
    counts = dict(db.session.execute(query.group_by(Visit.status)).all())
    return {status.value: counts.get(status, 0) for status in states}


def submitters(user: User) -> list[User]:
    """Return the people whose visits a reviewer may pick out, by name."""
    if not access.can(user, "visits.by_submitter"):
        return []
    ids = select(Visit.submitter_id).where(access.visit_filter(user, Visit))  # read from ix_visits_branch_status
    return list(db.session.scalars(select(User).where(User.id.in_(ids)).order_by(User.name)))
