"""Turn failed items of released visits into corrective actions, and close them (and customers' follow-up cases)
with the evidence their kind needs."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from .. import access, localtime
from ..auth.models import User
from ..catalog.services import frozen_checklist
from ..db import utcnow
from ..extensions import db
from ..lifecycle import ACTIONS, UNFINISHED_ACTIONS, ActionStep, VisitStatus
from ..notifications.services import notify
from ..org.models import Branch, Staff
from ..photos.processing import ProcessedPhoto
from ..photos.storage import PendingFiles
from ..problems import BadRequest, Conflict, Invalid, NotFound
from ..texts import check_length
from .models import CORRECTIVE, FOLLOW_UP, KINDS, ActionComment, CorrectiveAction

# What managers are told about an action, by its kind: a follow-up case is a customer to call back, not a fix.
NOTICES = {CORRECTIVE: {"opened": "action.assigned", "overdue": "action.overdue"},
           FOLLOW_UP: {"opened": "followup.opened", "overdue": "followup.overdue"}}


def _owner(visit, item_id: str) -> Staff | None:
    """Return the staff member the item's section was attributed to when scored, if any."""
    section_id = visit.result["items"][item_id]["section"]
    return next((result.staff for result in visit.staff_results if section_id in result.sections), None)


def create_action(actor: User, visit, item_id: str, due: date | None = None) -> CorrectiveAction:
    """Open an action for a failed item of a released visit. Flush only."""
    if visit.status != VisitStatus.RELEASED:
        raise Conflict("actions come from released visits only")
    access.require(actor, "visit.open_action", visit)
    outcome = visit.result["items"].get(item_id)
    if outcome is None or outcome["status"] != "scored" or outcome["earned"] >= outcome["possible"]:
        raise BadRequest("item '%(item)s' did not fail in this visit", item=item_id)
    exists = select(CorrectiveAction.id).where(CorrectiveAction.visit_id == visit.id,
                                               CorrectiveAction.item_id == item_id)
    if db.session.scalar(exists) is not None:
        raise Conflict("item '%(item)s' of this visit already has an action", item=item_id)
    item = frozen_checklist(visit.checklist_version).item(item_id)
    action = CorrectiveAction(
        visit_id=visit.id, item_id=item_id, title=item.text, branch_id=visit.branch_id,
        staff=_owner(visit, item_id), critical=item.critical, created_by_id=actor.id,
        status=ACTIONS.rule(None, ActionStep.OPEN).target,
        due_date=due or localtime.today() + timedelta(days=current_app.config["ACTION_DUE_DAYS"]),
    )
    try:
        with db.session.begin_nested():
            db.session.add(action)
            db.session.flush()
    except IntegrityError:  # another manager opened it between our look and our insert
        raise Conflict("item '%(item)s' of this visit already has an action", item=item_id) from None
    tell_managers(action, "opened", skip=actor)
    return action


def tell_managers(action: CorrectiveAction, event: str, skip: User | None = None, key: str | None = None) -> int:
    """Notify the branch's managers that an action was opened or is overdue (not who opened it). Flush only."""
    branch = db.session.get(Branch, action.branch_id)
    params = {"branch_name": branch.name, "title": action.title, "due_date": action.due_date.isoformat()}
    told = 0
    for manager in db.session.scalars(access.branch_managers(branch)):
        if skip is None or manager.id != skip.id:
            told += notify(manager, NOTICES[action.kind][event], params, f"/actions/{action.id}", key=key) is not None
    return told


def remind_overdue(today: date) -> int:
    """Tell managers once about each unfinished action or follow-up case past its due date. Flush only."""
    overdue = db.session.scalars(select(CorrectiveAction).where(
        CorrectiveAction.status.in_(UNFINISHED_ACTIONS), CorrectiveAction.due_date < today))
    return sum(tell_managers(action, "overdue", key=f"overdue:{action.id}") for action in overdue)


def open_for_critical_failures(actor: User, visit) -> list[CorrectiveAction]:
    """Open an action for every failed critical item of a just-released visit. Flush only."""
    existing = set(db.session.scalars(select(CorrectiveAction.item_id).where(CorrectiveAction.visit_id == visit.id)))
    opened = []
    for item_id in visit.result["critical_failures"]:
        if item_id in existing:
            continue
        try:
            opened.append(create_action(actor, visit, item_id))
        except Conflict:  # a manager opened it by hand at this very moment: theirs stands
            continue
    return opened


def check_step(actor: User, action: CorrectiveAction, step: str, note: str = "", photo=None):
    """Check a step, writing nothing: who may take it, from which state, and a closing's evidence."""
    access.require_step(actor, "action", step, action)
    rule = ACTIONS.rule(action.status, step)
    if step == ActionStep.CLOSE:
        problems = []
        if not note.strip():
            problems.append({"field": "note", "code": "closing_note_required", "message": "a closing note is required"})
        if photo is None and "photo" in action.closing_needs:
            problems.append({"field": "photo", "code": "closing_photo_required",
                             "message": "a closing photo is required"})
        if problems:
            if "photo" in action.closing_needs:
                raise Invalid("closing an action needs evidence: a note and a photo", problems)
            raise Invalid("closing a follow-up needs a note: what the customer was told", problems)
        check_length("note", note)
    return rule


def advance(actor: User, action: CorrectiveAction, step: str, note: str = "",
            photo: ProcessedPhoto | None = None, files: PendingFiles | None = None) -> None:
    """Take a step; closing needs the evidence of the action's kind, verifying a second person. Flush only."""
    rule = check_step(actor, action, step, note, photo)
    unchanged = [CorrectiveAction.id == action.id, CorrectiveAction.status == rule.source]
    if step == ActionStep.VERIFY:  # the verifier was checked against this closer: it must still be them
        unchanged.append(CorrectiveAction.closed_by_id == action.closed_by_id)
    if step == ActionStep.CLOSE:
        action.closing_note = note.strip()
        action.closing_photo = files.add_processed(photo) if photo is not None else None
        action.closed_by_id, action.closed_at = actor.id, utcnow()
    elif step == ActionStep.VERIFY:
        action.verified_by_id, action.verified_at = actor.id, utcnow()
    elif step == ActionStep.REOPEN:  # the evidence did not convince
        action.closed_by_id = action.closed_at = None
    claimed = db.session.execute(update(CorrectiveAction).where(*unchanged).values(status=rule.target)
                                 .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise Conflict("the action was changed by someone else meanwhile; reload it and try again")
    set_committed_value(action, "status", rule.target)
    db.session.flush()


def add_comment(actor: User, action: CorrectiveAction, text: str) -> ActionComment:
    """Add a comment to an action. Flush only."""
    access.require(actor, "action.comment", action)
    if not text.strip():
        raise BadRequest("a comment needs some text")
    check_length("comment", text)
    comment = ActionComment(action_id=action.id, author_id=actor.id, text=text.strip())
    db.session.add(comment)
    db.session.flush()
    return comment


def actions_query(user: User, branch: Branch | None = None, region: str | None = None,
                  overdue: bool = False, kind: str | None = None) -> Select:
    """Return the unfinished actions (of one kind, if given) the user may see, most urgent first."""
    query = (select(CorrectiveAction).join(Branch, CorrectiveAction.branch_id == Branch.id)
             .where(CorrectiveAction.status.in_(UNFINISHED_ACTIONS), access.reports_filter(user))
             .order_by(CorrectiveAction.due_date, CorrectiveAction.id))
    if branch is not None:
        query = query.where(CorrectiveAction.branch_id == branch.id)
    if region:
        query = query.where(Branch.region == region)
    if overdue:
        query = query.where(CorrectiveAction.due_date < localtime.today())
    if kind is not None:
        if kind not in KINDS:
            raise BadRequest("there is no kind of action '%(kind)s'", kind=kind)
        column = CorrectiveAction.response_id
        query = query.where(column.is_not(None) if kind == FOLLOW_UP else column.is_(None))
    return query


def visible_action(user: User, action_id: int) -> CorrectiveAction:
    """Return the action if the user may see it; NotFound otherwise."""
    action = db.session.get(CorrectiveAction, action_id)
    if action is None or not access.can(user, "action.view", action):
        raise NotFound("no corrective action %(id)s", id=action_id)
    return action
