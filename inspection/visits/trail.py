"""Move a visit through its lifecycle and keep the trail: one event per step, one revision per version."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from ..audit.services import record
from ..auth.models import User
from ..extensions import db
from ..lifecycle import COUNTED_VISITS, VISITS, VisitAction
from ..problems import Conflict
from . import rollup
from .models import StaffResult, Visit, VisitEvent, VisitRevision


def move(actor: User, visit: Visit, action: str, comment: str = "", item_comments: dict | None = None,
         new_version: bool = False) -> VisitEvent:
    """Take a lifecycle step; the row changes only if nobody moved it since it was read, else Conflict. Flush only."""
    rule = VISITS.rule(visit.status, action)
    version = visit.version + 1 if new_version else visit.version
    # A conditional update instead of read-then-write: of two reviewers acting at once on PostgreSQL,
    # the second waits for the first's row lock, then matches no row and is told so.
    claimed = db.session.execute(
        update(Visit).where(Visit.id == visit.id, Visit.status == rule.source, Visit.version == visit.version)
        .values(status=rule.target, version=version).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise Conflict("visit %(uuid)s was changed by someone else meanwhile; reload it and try again", uuid=visit.uuid)
    set_committed_value(visit, "status", rule.target)
    set_committed_value(visit, "version", version)
    if (rule.source in COUNTED_VISITS) != (rule.target in COUNTED_VISITS):
        _count_staff_results(visit, rule.target in COUNTED_VISITS)
    event = VisitEvent(visit_id=visit.id, actor_id=actor.id, action=action, from_status=rule.source,
                       to_status=rule.target, version=version, comment=comment, item_comments=item_comments or {})
    db.session.add(event)
    db.session.flush()
    db.session.expire(visit, ["events"])  # a history already loaded would miss this step
    record(f"visit_{action}", actor, visit.uuid, {"from": rule.source, "to": rule.target, "version": version})
    return event


def _count_staff_results(visit: Visit, counted: bool) -> None:
    """Count the visit's staff results in reports, or stop counting them, with their months' sums."""
    db.session.execute(update(StaffResult).where(StaffResult.visit_id == visit.id).values(counted=counted)
                       .execution_options(synchronize_session=False))
    for result in visit.staff_results:
        set_committed_value(result, "counted", counted)
    rollup.refresh(visit.staff_results)


def record_creation(actor: User, visit: Visit, content_sha256: str) -> None:
    """Keep the first version and the submit step of a visit just inserted. Flush only."""
    rule = VISITS.rule(None, VisitAction.SUBMIT)
    db.session.add(_revision(actor, visit, content_sha256))
    db.session.add(VisitEvent(visit_id=visit.id, actor_id=actor.id, action=rule.action, from_status=rule.source,
                              to_status=rule.target, version=visit.version, comment="", item_comments={}))
    # One flush for the three rows: the audit event's flushes the revision and the event with it.
    record("visit_submit", actor, visit.uuid, {"checklist": visit.checklist_id, "branch": visit.branch.code})


def record_revision(actor: User, visit: Visit, content_sha256: str | None) -> VisitRevision:
    """Keep the visit's current content as its current version. Flush only."""
    revision = _revision(actor, visit, content_sha256)
    db.session.add(revision)
    db.session.flush()
    return revision


def _revision(actor: User, visit: Visit, content_sha256: str | None) -> VisitRevision:
    return VisitRevision(
        visit_id=visit.id, version=visit.version, created_by_id=actor.id, result=visit.result,
        started_at=visit.started_at, finished_at=visit.finished_at, content_sha256=content_sha256,
        answers={a.item_id: a.value for a in visit.answers if a.value is not None},
        notes={a.item_id: a.note for a in visit.answers if a.note},
        photos=[{"item": p.item_id, "name": p.stored_name, "sha256": p.sha256} for p in visit.photos],
    )


def latest_return(visit: Visit) -> VisitEvent | None:
    """Return the last 'return' step, whose comments the submitter must address."""
    returns = [event for event in visit.events if event.action == VisitAction.RETURN]
    return returns[-1] if returns else None
