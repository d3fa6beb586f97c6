"""Review before release: start, release, return with comments, and correct a returned visit as a new version."""

from __future__ import annotations

from .. import access
from ..actions.services import open_for_critical_failures
from ..appeals.services import tell_branch_released
from ..auth.models import User
from ..catalog.services import frozen_checklist
from ..extensions import db
from ..lifecycle import REVIEW_ACTIONS, VisitAction
from ..notifications.services import notify
from ..problems import BadRequest, NotFound
from ..texts import check_length
from ..visits.models import Visit, VisitEvent, VisitRevision
from ..visits.trail import move


def review(actor: User, visit: Visit, action: str, comment: str = "",
           item_comments: dict[str, str] | None = None) -> VisitEvent:
    """Take one review step; returning needs a comment. Flush only."""
    if action not in REVIEW_ACTIONS:
        raise BadRequest("unknown action '%(action)s': use start, release or return", action=action)
    access.require_step(actor, "visit", action, visit)
    item_comments = {key: text.strip() for key, text in (item_comments or {}).items() if text and text.strip()}
    for field, text in [("comment", comment), *((f"comment.{key}", text) for key, text in item_comments.items())]:
        check_length(field, text)
    checklist = frozen_checklist(visit.checklist_version)
    unknown = sorted(key for key in item_comments if checklist.item(key) is None)
    if unknown:
        raise BadRequest("comments on items this checklist does not have: %(items)s", items=", ".join(unknown))
    if action == VisitAction.RETURN and not (comment.strip() or item_comments):
        raise BadRequest("say what to correct: a comment, or comments on items")
    event = move(actor, visit, action, comment.strip(), item_comments)
    if action == VisitAction.RELEASE:
        open_for_critical_failures(actor, visit)
        tell_branch_released(visit, checklist.title)
    if action in (VisitAction.RETURN, VisitAction.RELEASE):
        _tell_submitter(visit, action, checklist.title, comment.strip())
    return event


def _tell_submitter(visit: Visit, action: str, title: str, comment: str) -> None:
    """Tell whoever submitted the visit that it came back to them or was released. Flush only."""
    submitter = db.session.get(User, visit.submitter_id)
    if action == VisitAction.RETURN:
        notify(submitter, "visit.returned", {"branch_name": visit.branch.name, "checklist_title": title,
                                             "comment": comment}, f"/visits/{visit.uuid}/correct")
    else:
        notify(submitter, "visit.released", {"branch_name": visit.branch.name, "checklist_title": title,
                                             "score": visit.score}, f"/visits/{visit.uuid}")


def released_version(visit: Visit) -> int:
    """Return the version the visit was first released at (its last version if it never was)."""
    return next((event.version for event in visit.events if event.action == VisitAction.RELEASE), visit.version)


def revision_diff(visit: Visit, older: int, newer: int) -> dict:
    """Compare two versions: times, the items whose answer, note, photos or points changed, and the scores."""
    revisions = {revision.version: revision for revision in visit.revisions}
    if older not in revisions or newer not in revisions:
        raise NotFound("visit %(uuid)s has versions %(versions)s", uuid=visit.uuid, versions=sorted(revisions))
    before, after = revisions[older], revisions[newer]
    checklist = frozen_checklist(visit.checklist_version)
    changes = []
    for _, item in checklist.items():
        old_item, new_item = before.result["items"][item.id], after.result["items"][item.id]
        pairs = {"answer": (before.answers.get(item.id), after.answers.get(item.id)),
                 "note": (before.notes.get(item.id, ""), after.notes.get(item.id, "")),
                 "photos": (_photo_names(before, item.id), _photo_names(after, item.id)),
                 "earned": (old_item["earned"], new_item["earned"])}
        if any(old != new for old, new in pairs.values()):
            changes.append({"item": item, **pairs})
    times = ((before.started_at, before.finished_at), (after.started_at, after.finished_at))
    return {"before": before, "after": after, "changes": changes, "times": times,
            "score": (before.result["score"], after.result["score"])}


def _photo_names(revision: VisitRevision, item_id: str) -> list[str]:
    return sorted(photo["name"] for photo in revision.photos if photo["item"] == item_id)
