"""Turn failed items of released visits into corrective actions, and close them with evidence."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import Select, select

from .. import access
from ..auth.models import User
from ..catalog.services import frozen_checklist
from ..db import utcnow
from ..extensions import db
from ..org.models import Branch, Staff
from ..photos.processing import ProcessedPhoto
from ..photos.storage import StagedFiles, new_stored_name, thumbnail_name
from .models import ActionComment, CorrectiveAction

# status: the statuses it may be reached from
STEPS = {"in_progress": {"open"}, "done": {"open", "in_progress"}, "verified": {"done"}, "open": {"done"}}


class ActionError(ValueError):
    """A corrective action that cannot be created or moved as asked; the message says why."""


class ActionForbidden(PermissionError):
    """The user may not manage this branch's corrective actions."""


def _check_manager(actor: User, branch: Branch) -> None:
    if not access.can_manage(actor, branch):
        raise ActionForbidden("only a manager of this branch, or an admin, manages its corrective actions")


def _owner(visit, item_id: str) -> Staff | None:
    """Return the staff member the item's section was attributed to when scored, if any."""
    section_id = visit.result["items"][item_id]["section"]
    return next((result.staff for result in visit.staff_results if section_id in result.sections), None)


def create_action(actor: User, visit, item_id: str, due: date | None = None) -> CorrectiveAction:
    """Open an action for a failed item of a released visit. Flush only."""
    _check_manager(actor, visit.branch)
    if visit.status != "released":
        raise ActionError("actions come from released visits only")
    outcome = visit.result["items"].get(item_id)
    if outcome is None or outcome["status"] != "scored" or outcome["earned"] >= outcome["possible"]:
        raise ActionError(f"item '{item_id}' did not fail in this visit")
    exists = select(CorrectiveAction.id).where(CorrectiveAction.visit_id == visit.id,
                                               CorrectiveAction.item_id == item_id)
    if db.session.scalar(exists) is not None:
        raise ActionError(f"item '{item_id}' of this visit already has an action")
    item = frozen_checklist(visit.checklist_version).item(item_id)
    action = CorrectiveAction(
        visit_id=visit.id, item_id=item_id, title=item.text, branch_id=visit.branch_id,
        staff=_owner(visit, item_id), critical=item.critical, created_by_id=actor.id,
        due_date=due or date.today() + timedelta(days=current_app.config["ACTION_DUE_DAYS"]),
    )
    db.session.add(action)
    db.session.flush()
    return action


def open_for_critical_failures(actor: User, visit) -> list[CorrectiveAction]:
    """Open an action for every failed critical item of a just-released visit. Flush only."""
    existing = set(db.session.scalars(select(CorrectiveAction.item_id).where(CorrectiveAction.visit_id == visit.id)))
    return [create_action(actor, visit, item_id) for item_id in visit.result["critical_failures"]
            if item_id not in existing]


def advance(actor: User, action: CorrectiveAction, status: str, note: str = "",
            photo: ProcessedPhoto | None = None, files: StagedFiles | None = None) -> None:
    """Move an action on; done needs a closing note and photo, verified a second person. Flush only."""
    _check_manager(actor, action.branch)
    if status not in STEPS or action.status not in STEPS[status]:
        raise ActionError(f"an action that is {action.status} cannot become {status}")
    if status == "done":
        _close(actor, action, note, photo, files)
    elif status == "verified":
        if action.closed_by_id == actor.id and actor.role != "admin":
            raise ActionError("someone other than the person who closed it verifies the action")
        action.verified_by_id, action.verified_at = actor.id, utcnow()
    elif status == "open":  # reopened: the evidence did not convince
        action.closed_by_id = action.closed_at = None
    action.status = status
    db.session.flush()


def _close(actor: User, action: CorrectiveAction, note: str, photo, files) -> None:
    if not note.strip() or photo is None:
        raise ActionError("closing an action needs evidence: a note and a photo")
    stored_name = new_stored_name()
    files.stage(stored_name, photo.image)
    files.stage(thumbnail_name(stored_name), photo.thumbnail)
    action.closing_note, action.closing_photo = note.strip(), stored_name
    action.closed_by_id, action.closed_at = actor.id, utcnow()


def add_comment(actor: User, action: CorrectiveAction, text: str) -> ActionComment:
    """Add a comment to an action. Flush only."""
    _check_manager(actor, action.branch)
    if not text.strip():
        raise ActionError("a comment needs some text")
    comment = ActionComment(action_id=action.id, author_id=actor.id, text=text.strip())
    db.session.add(comment)
    db.session.flush()
    return comment


def actions_query(user: User, branch: Branch | None = None, region: str | None = None,
                  overdue: bool = False) -> Select:
    """Return the unfinished actions the user may see, most urgent first."""
    query = (select(CorrectiveAction).join(Branch, CorrectiveAction.branch_id == Branch.id)
             .where(CorrectiveAction.status.in_(("open", "in_progress")), access.reports_filter(user))
             .order_by(CorrectiveAction.due_date, CorrectiveAction.id))
    if branch is not None:
        query = query.where(CorrectiveAction.branch_id == branch.id)
    if region:
        query = query.where(Branch.region == region)
    if overdue:
        query = query.where(CorrectiveAction.due_date < date.today())
    return query
