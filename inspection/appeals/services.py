"""File an appeal against items of a released visit within INSPECTION_APPEAL_DAYS, and find the appeals one may read.

The window: the release's local date plus APPEAL_DAYS is the last day to appeal, to its end (midnight where the
branches are). Released on a Monday at 15:00 with the default 7: appeals are taken until the next Monday, 23:59.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from .. import access, localtime
from ..audit.services import record
from ..auth.models import User
from ..catalog.services import frozen_checklist
from ..db import utcnow
from ..extensions import db
from ..lifecycle import APPEALS, AppealStatus, AppealStep, VisitAction, VisitStatus
from ..notifications.services import notify
from ..org.models import Branch
from ..photos.processing import ProcessedPhoto
from ..photos.storage import PendingFiles
from ..problems import BadRequest, Conflict, Invalid, NotFound
from ..texts import check_length
from ..visits.models import Visit, VisitEvent
from .models import Appeal, AppealItem


@dataclass(frozen=True)
class Filing:
    """An appeal about to be filed at a branch: what the access policy is asked about."""

    branch: Branch
    status: None = None  # not filed yet: the lifecycle's first step


def released_at(visit: Visit) -> datetime | None:
    """Return when the visit was (last) released."""
    return db.session.scalar(select(VisitEvent.at).where(
        VisitEvent.visit_id == visit.id, VisitEvent.action == VisitAction.RELEASE).order_by(VisitEvent.id.desc()))


def last_day(visit: Visit) -> date | None:
    """Return the last local day on which the visit may be appealed; None if it was never released."""
    released = released_at(visit)
    if released is None:
        return None
    return localtime.local(released).date() + timedelta(days=current_app.config["APPEAL_DAYS"])


def appeal_of(visit: Visit) -> Appeal | None:
    """Return the visit's appeal, if it has one."""
    return db.session.scalar(select(Appeal).where(Appeal.visit_id == visit.id))


def window_refusal(visit: Visit, now: datetime) -> Conflict | None:
    """Return why the visit cannot be appealed now (state, window, an appeal already filed), or None."""
    if visit.status != VisitStatus.RELEASED:
        return Conflict("only released visits are appealed")
    day = last_day(visit)
    if day is None or now >= localtime.day_start(day + timedelta(days=1)):
        return Conflict("the appeal window of this visit closed at the end of %(day)s", day=day)
    if appeal_of(visit) is not None:
        return Conflict("this visit has been appealed already: one appeal per visit")
    return None


def appeal_until(user: User, visit: Visit, now: datetime | None = None) -> date | None:
    """Return the last day the user may appeal the visit on, if they may appeal it now; else None."""
    if not access.can(user, f"appeal.{AppealStep.FILE}", Filing(visit.branch)):
        return None
    return None if window_refusal(visit, now or utcnow()) else last_day(visit)


def appealable_items(visit: Visit) -> list:
    """Return the checklist items an appeal may name: every item that takes an answer (photo items take none)."""
    return [item for _, item in frozen_checklist(visit.checklist_version).items() if item.type != "photo"]


def check_may_file(actor: User, visit: Visit, now: datetime | None = None) -> None:
    """Raise Forbidden unless the actor is the visit's branch side, Conflict unless the visit may be appealed now."""
    access.require(actor, f"appeal.{AppealStep.FILE}", Filing(visit.branch))
    refusal = window_refusal(visit, now or utcnow())
    if refusal:
        raise refusal


def check_filing(actor: User, visit: Visit, item_ids: list[str], reason: str, now: datetime | None = None) -> None:
    """Check an appeal, writing nothing: who, when, which items and why; Invalid lists every problem of the form."""
    check_may_file(actor, visit, now)
    known = {item.id for item in appealable_items(visit)}
    problems = []
    if not item_ids:
        problems.append({"field": "items", "code": "appeal_items_required", "message": "choose at least one item"})
    problems += [{"field": "items", "item": item_id, "code": "unknown_item",
                  "message": f"no item {item_id} to appeal in this checklist"} for item_id in item_ids
                 if item_id not in known]
    if not reason.strip():
        problems.append({"field": "reason", "code": "appeal_reason_required", "message": "say why the items are wrong"})
    if problems:
        raise Invalid("the appeal cannot be filed: %(count)d problem(s), listed in details", problems,
                      count=len(problems))
    check_length("reason", reason)


def file_appeal(actor: User, visit: Visit, item_ids: list[str], reason: str, photo: ProcessedPhoto | None = None,
                files: PendingFiles | None = None, now: datetime | None = None) -> Appeal:
    """File the branch's appeal against items of a released visit and tell its managers. Flush only."""
    item_ids = list(dict.fromkeys(item_ids))
    check_filing(actor, visit, item_ids, reason, now)
    answers = {answer.item_id: answer.value for answer in visit.answers}
    appeal = Appeal(visit=visit, version=visit.version, branch_id=visit.branch_id, filed_by_id=actor.id,
                    reason=reason.strip(), status=APPEALS.rule(None, AppealStep.FILE).target,
                    photo=files.add_processed(photo) if photo is not None else None,
                    items=[AppealItem(item_id=item_id, answer=answers.get(item_id)) for item_id in item_ids])
    try:
        with db.session.begin_nested():
            db.session.add(appeal)
            db.session.flush()
    except IntegrityError:  # another appeal of this visit was filed between our look and our insert
        raise Conflict("this visit has been appealed already: one appeal per visit") from None
    record("appeal_file", actor, visit.uuid, {"appeal": appeal.id, "items": item_ids})
    title = frozen_checklist(visit.checklist_version).title
    for manager in db.session.scalars(access.branch_managers(visit.branch)):  # managers fill in no visit of theirs
        notify(manager, "appeal.filed", {"branch_name": visit.branch.name, "checklist_title": title,
                                         "count": len(item_ids)}, f"/appeals/{appeal.id}")
    return appeal


def tell_branch_released(visit: Visit, title: str) -> None:
    """Tell the branch side of a just-released visit its score and until when it may be appealed. Flush only."""
    params = {"branch_name": visit.branch.name, "checklist_title": title, "score": visit.score,
              "due_date": last_day(visit).isoformat()}
    for user in db.session.scalars(access.branch_side(visit.branch)):
        notify(user, "visit.appealable", params, f"/visits/{visit.uuid}")


def appeals_query(user: User, status: str | None = None) -> Select:
    """Return the appeals the user reads (of one state, if given): the open ones first, each group oldest first."""
    query = (select(Appeal).join(Branch, Appeal.branch_id == Branch.id).where(access.appeal_filter(user, Branch))
             .order_by((Appeal.status != AppealStatus.OPEN), Appeal.filed_at, Appeal.id))
    if status:
        if status not in set(AppealStatus):
            raise BadRequest("there is no appeal state '%(status)s'", status=status)
        query = query.where(Appeal.status == status)
    return query


def visible_appeal(user: User, appeal_id: int) -> Appeal:
    """Return the appeal if the user may read it; NotFound otherwise."""
    appeal = db.session.get(Appeal, appeal_id)
    if appeal is None or not access.can(user, "appeal.view", appeal):
        raise NotFound("no appeal %(id)s", id=appeal_id)
    return appeal
