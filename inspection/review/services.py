"""Review before release: start, release, return with comments, and resubmit a corrected version."""

from __future__ import annotations

from .. import access
from ..actions.services import open_for_critical_failures
from ..auth.models import User
from ..catalog.services import frozen_checklist
from ..extensions import db
from ..visits.models import Visit
from ..visits.services import apply_answers
from .models import VisitEvent
from .trail import record_event, record_revision

# action: (statuses it may start from, status it leads to)
TRANSITIONS = {
    "start": ({"submitted"}, "in_review"),
    "release": ({"submitted", "in_review"}, "released"),
    "return": ({"submitted", "in_review"}, "returned"),
}


class ReviewError(ValueError):
    """A review request that is malformed (unknown action, missing comment)."""


class TransitionRefused(ValueError):
    """The visit's current status does not allow this step."""


class ReviewForbidden(PermissionError):
    """The user may not take this step on this visit."""


def review(actor: User, visit: Visit, action: str, comment: str = "",
           item_comments: dict[str, str] | None = None) -> VisitEvent:
    """Take one review step; returning needs a comment. Flush only."""
    if not access.can_review(actor, visit):
        raise ReviewForbidden("only a manager of this branch, or an admin, reviews its visits")
    if action not in TRANSITIONS:
        raise ReviewError(f"unknown action '{action}': use start, release or return")
    sources, target = TRANSITIONS[action]
    if visit.status not in sources:
        raise TransitionRefused(f"a visit that is {visit.status} cannot be given '{action}'")
    item_comments = {key: text.strip() for key, text in (item_comments or {}).items() if text and text.strip()}
    checklist = frozen_checklist(visit.checklist_version)
    unknown = sorted(key for key in item_comments if checklist.item(key) is None)
    if unknown:
        raise ReviewError(f"comments on items this checklist does not have: {', '.join(unknown)}")
    if action == "return" and not (comment.strip() or item_comments):
        raise ReviewError("say what to correct: a comment, or comments on items")
    event = record_event(visit, actor, action, target, comment.strip(), item_comments)
    if action == "release":
        open_for_critical_failures(actor, visit)
    return event


def resubmit(actor: User, visit: Visit, answers: dict, notes: dict) -> Visit:
    """Store the submitter's corrections of a returned visit as its next version. Flush only."""
    if actor.id != visit.submitter_id:
        raise ReviewForbidden("only the person who submitted a visit corrects it")
    if visit.status != "returned":
        raise TransitionRefused(f"a visit that is {visit.status} cannot be corrected; it must be returned first")
    checklist = frozen_checklist(visit.checklist_version)
    photo_counts: dict[str, int] = {}
    for photo in visit.photos:
        photo_counts[photo.item_id] = photo_counts.get(photo.item_id, 0) + 1
    # Drop the old rows first: the new ones reuse their unique (visit, item) keys.
    visit.answers, visit.staff_results, visit.dimensions = [], [], []
    db.session.flush()
    apply_answers(visit, checklist, answers, notes, photo_counts)
    visit.version += 1
    db.session.flush()
    record_revision(visit, actor)
    record_event(visit, actor, "resubmit", "submitted")
    return visit


def revision_diff(visit: Visit, older: int, newer: int) -> dict:
    """Compare two versions: the items whose answer, note or points changed, and the scores."""
    revisions = {revision.version: revision for revision in visit.revisions}
    if older not in revisions or newer not in revisions:
        raise LookupError(f"visit {visit.uuid} has versions {sorted(revisions)}")
    before, after = revisions[older], revisions[newer]
    checklist = frozen_checklist(visit.checklist_version)
    changes = []
    for _, item in checklist.items():
        old_item, new_item = before.result["items"][item.id], after.result["items"][item.id]
        pairs = {"answer": (before.answers.get(item.id), after.answers.get(item.id)),
                 "note": (before.notes.get(item.id, ""), after.notes.get(item.id, "")),
                 "earned": (old_item["earned"], new_item["earned"])}
        if any(old != new for old, new in pairs.values()):
            changes.append({"item": item, **pairs})
    return {"before": before, "after": after, "changes": changes,
            "score": (before.result["score"], after.result["score"])}


def latest_return(visit: Visit) -> VisitEvent | None:
    """Return the last 'return' event, whose comments the submitter must address."""
    returns = [event for event in visit.events if event.action == "return"]
    return returns[-1] if returns else None
