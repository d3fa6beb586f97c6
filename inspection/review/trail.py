"""Record workflow events and answer versions of a visit."""

from __future__ import annotations

from ..extensions import db
from .models import VisitEvent, VisitRevision


def record_event(visit, actor, action: str, to_status: str, comment: str = "",
                 item_comments: dict | None = None) -> VisitEvent:
    """Move the visit to a status and keep who did it, when and why. Flush only."""
    from_status = None if action == "submit" else visit.status
    event = VisitEvent(visit_id=visit.id, actor_id=actor.id, action=action, from_status=from_status,
                       to_status=to_status, version=visit.version, comment=comment,
                       item_comments=item_comments or {})
    visit.status = to_status
    for result in visit.staff_results:
        result.counted = to_status == "released"
    db.session.add(event)
    db.session.flush()
    return event


def record_revision(visit, actor) -> VisitRevision:
    """Keep the visit's current answers, notes and result as its current version. Flush only."""
    revision = VisitRevision(
        visit_id=visit.id, version=visit.version, created_by_id=actor.id, result=visit.result,
        answers={a.item_id: a.value for a in visit.answers if a.value is not None},
        notes={a.item_id: a.note for a in visit.answers if a.note},
    )
    db.session.add(revision)
    db.session.flush()
    return revision
