"""Survey links of the branches a manager works with: enable, rotate and close them, one active link per target.

A target is a survey checklist at a branch, or at one of its staff (a badge). Changes to a branch's links
first lock the branch's row, so that two managers enabling the same target at once make one link.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy import func, select, update

from .. import access
from ..auth.models import User
from ..catalog.services import get_catalog
from ..checklists import Checklist
from ..db import utcnow
from ..extensions import db
from ..org.models import Branch, Staff
from ..problems import BadRequest, Conflict, NotFound
from .models import SurveyLink
from .questions import unanswerable

BRANCHES_PER_PAGE = 20


def new_token() -> str:
    """Return an unguessable token for a link's address (192 random bits)."""
    return secrets.token_urlsafe(24)


def survey_checklists() -> list[Checklist]:
    """Return the survey checklists offered now, in id order."""
    return sorted((checklist for checklist in get_catalog().checklists.values() if checklist.kind == "survey"),
                  key=lambda checklist: checklist.id)


def _survey(checklist_id: str) -> Checklist:
    checklist = get_catalog().checklists.get(checklist_id)
    if checklist is None or checklist.kind != "survey":
        raise BadRequest("there is no survey checklist '%(id)s'", id=checklist_id)
    return checklist


def _locked_branch(actor: User, branch_id: int | None = None, code: str | None = None) -> Branch:
    """Return an active branch the actor manages, its row locked for the transaction; NotFound otherwise."""
    query = select(Branch).where(Branch.id == branch_id) if branch_id is not None else \
        select(Branch).where(Branch.code == code)
    branch = db.session.scalar(query.with_for_update())
    if branch is None or not branch.active or not access.can(actor, "surveys.manage", branch):
        raise NotFound("no branch %(code)s", code=code or branch_id)
    return branch


def _active_link(checklist_id: str, branch_id: int, staff_id: int | None) -> SurveyLink | None:
    staff = SurveyLink.staff_id.is_(None) if staff_id is None else SurveyLink.staff_id == staff_id
    return db.session.scalar(select(SurveyLink).where(SurveyLink.active, SurveyLink.checklist_id == checklist_id,
                                                      SurveyLink.branch_id == branch_id, staff))


def enable(actor: User, checklist_id: str, branch_code: str, staff_code: str = "") -> tuple[SurveyLink, bool]:
    """Return the target's active link, making it if there is none (then True). Flush only."""
    access.require(actor, "surveys.manage")
    checklist = _survey(checklist_id)
    branch = _locked_branch(actor, code=branch_code)
    staff = None
    if staff_code:
        staff = db.session.scalar(select(Staff).where(Staff.code == staff_code, Staff.branch_id == branch.id,
                                                      Staff.active))
        if staff is None:
            raise BadRequest("no active staff member '%(code)s' at branch %(branch)s", code=staff_code,
                             branch=branch.code)
    blocking = unanswerable(checklist, staff.code if staff else None)
    if blocking is not None:
        raise BadRequest("customers cannot answer item '%(item)s' of this survey", item=blocking.id)
    existing = _active_link(checklist.id, branch.id, staff.id if staff else None)
    if existing is not None:
        return existing, False
    link = SurveyLink(token=new_token(), checklist_id=checklist.id, branch_id=branch.id,
                      staff_id=staff.id if staff else None, created_by_id=actor.id)
    db.session.add(link)
    db.session.flush()
    return link, True


def managed_link(actor: User, link_id: int) -> SurveyLink:
    """Return a link of a branch the actor manages, that branch's row locked; NotFound otherwise."""
    access.require(actor, "surveys.manage")
    link = db.session.get(SurveyLink, link_id)
    if link is None or not access.can(actor, "surveys.manage", link.branch):
        raise NotFound("no survey link %(id)s", id=link_id)
    _locked_branch(actor, branch_id=link.branch_id)
    return link


def close(actor: User, link: SurveyLink) -> None:
    """Close an active link of a managed branch: its address then tells customers the survey has ended. Flush only."""
    access.require(actor, "surveys.manage", link.branch)
    closed = db.session.execute(update(SurveyLink).where(SurveyLink.id == link.id, SurveyLink.active)
                                .values(active=False, closed_at=utcnow()).execution_options(synchronize_session=False))
    if closed.rowcount != 1:
        raise Conflict("this link is closed already")
    db.session.refresh(link)


def rotate(actor: User, link: SurveyLink) -> SurveyLink:
    """Close the link and open a new one for the same target (a code that leaked or was misused). Flush only."""
    close(actor, link)
    fresh = SurveyLink(token=new_token(), checklist_id=link.checklist_id, branch_id=link.branch_id,
                       staff_id=link.staff_id, created_by_id=actor.id)
    db.session.add(fresh)
    db.session.flush()
    return fresh


@dataclass
class BranchLinks:
    """One branch of the page: its active staff and its active links by (checklist id, staff id or None)."""

    branch: Branch
    staff: list[Staff] = field(default_factory=list)
    links: dict[tuple[str, int | None], SurveyLink] = field(default_factory=dict)


def scope_regions(actor: User) -> list[str]:
    """Return the regions of the active branches the actor manages."""
    return list(db.session.scalars(select(Branch.region).where(Branch.active, access.branch_filter(actor))
                                   .distinct().order_by(Branch.region)))


def links_page(actor: User, region: str, page: int) -> tuple[list[BranchLinks], int, int]:
    """Return a page of the actor's branches (of a region, if named) with their links, the page and the page count."""
    access.require(actor, "surveys.manage")
    branches = access.scoped_branches(actor)
    if region:
        branches = branches.where(Branch.region == region)
    total = db.session.scalar(select(func.count()).select_from(branches.subquery()))
    pages = max(1, -(-total // BRANCHES_PER_PAGE))
    page = min(page, pages)
    rows = [BranchLinks(branch) for branch in db.session.scalars(
        branches.offset((page - 1) * BRANCHES_PER_PAGE).limit(BRANCHES_PER_PAGE))]
    by_id = {row.branch.id: row for row in rows}
    for member in db.session.scalars(select(Staff).where(Staff.branch_id.in_(by_id), Staff.active)
                                     .order_by(Staff.code)):
        by_id[member.branch_id].staff.append(member)
    for link in db.session.scalars(select(SurveyLink).where(SurveyLink.branch_id.in_(by_id), SurveyLink.active)):
        by_id[link.branch_id].links[(link.checklist_id, link.staff_id)] = link
    return rows, page, pages
