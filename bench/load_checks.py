"""After the load run: read the database directly and hold it against what the clients were told."""

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from inspection import create_app
from inspection.actions.models import CorrectiveAction
from inspection.extensions import db, media_store
from inspection.photos.storage import photo_key, thumbnail_name
from inspection.visits.models import Visit

from load_scenario import Expected, Tracker
from load_server import settings


@dataclass
class Verdict:
    visits: int = 0  # rows in the database
    lost: list[str] = field(default_factory=list)  # accepted ids the database does not hold
    duplicates: list[str] = field(default_factory=list)  # ids stored or created more than once, or never accepted
    problems: list[str] = field(default_factory=list)  # any other invariant broken


def verify(url: str, media: Path | dict, tracker: Tracker) -> Verdict:
    """Compare every visit row, its photos and files, its trail and its actions with the clients' ledger."""
    app = create_app(settings(url, media))
    verdict = Verdict()
    with app.app_context():
        rows = db.session.scalars(select(Visit).options(
            selectinload(Visit.all_photos), selectinload(Visit.events), selectinload(Visit.revisions))).all()
        stored = Counter(str(row.uuid) for row in rows)
        verdict.visits = len(rows)
        verdict.lost = sorted(set(tracker.visits) - set(stored))
        verdict.duplicates = sorted({key for key, times in stored.items() if times > 1}
                                    | (set(stored) - set(tracker.visits))
                                    | {key for key, expected in tracker.visits.items() if expected.created > 1})
        for row in rows:
            expected = tracker.visits.get(str(row.uuid))
            if expected is not None:
                verdict.problems += [f"visit {row.uuid}: {problem}"
                                     for problem in _visit_problems(row, expected)]
        verdict.problems += _action_problems()
        db.session.remove()
        db.engine.dispose()
    return verdict


def _visit_problems(visit: Visit, expected: Expected) -> list[str]:
    problems = []
    if visit.submitter_id != expected.owner:
        problems.append(f"submitter {visit.submitter_id}, accepted from user {expected.owner}")
    if expected.created != 1:
        problems.append(f"{expected.created} answers of 201 Created")
    first = visit.revisions[0] if visit.revisions else None
    if first is None or first.version != 1 or first.answers != expected.answers:
        problems.append("version 1 does not hold the answers that were accepted")
    if [revision.version for revision in visit.revisions] != list(range(1, visit.version + 1)):
        problems.append(f"revisions {[r.version for r in visit.revisions]} for version {visit.version}")
    current = sorted(photo.sha256 for photo in visit.all_photos if photo.replaced_in is None)
    if current != expected.photos:
        problems.append(f"{len(current)} photos stored, {len(expected.photos)} accepted")
    for photo in visit.all_photos:
        for name in (photo.stored_name, thumbnail_name(photo.stored_name)):
            if not media_store().exists(photo_key(name)):
                problems.append(f"file {name} of photo {photo.id} is missing")
    return problems + _trail_problems(visit, expected.steps)


def _trail_problems(visit: Visit, steps: list[str]) -> list[str]:
    """Check one event per accepted step, a chain without gaps, and no two steps out of one state and version."""
    problems, taken = [], set()
    actions = [str(event.action) for event in visit.events]
    if actions != steps:
        problems.append(f"events {actions}, accepted steps {steps}")
    status, version = None, 0
    for event in visit.events:
        before = event.version - 1 if event.action in ("submit", "resubmit") else event.version
        origin = (event.from_status and str(event.from_status), before)
        if origin in taken:
            problems.append(f"two steps out of {origin}")
        taken.add(origin)
        if origin != (status, version):
            problems.append(f"event {event.action} from {origin} follows state {(status, version)}")
        status, version = str(event.to_status), event.version
    if (str(visit.status), visit.version) != (status, version):
        problems.append(f"visit is {visit.status} v{visit.version}, its trail ends at {status} v{version}")
    return problems


def _action_problems() -> list[str]:
    """Check one corrective action per failed critical item of each released visit, and none elsewhere."""
    problems = []
    twice = db.session.execute(select(CorrectiveAction.visit_id, CorrectiveAction.item_id)
                               .group_by(CorrectiveAction.visit_id, CorrectiveAction.item_id)
                               .having(func.count() > 1)).all()
    problems += [f"visit row {visit_id}: two corrective actions for {item_id}" for visit_id, item_id in twice]
    opened: dict[int, set[str]] = {}
    for visit_id, item_id in db.session.execute(select(CorrectiveAction.visit_id, CorrectiveAction.item_id)):
        opened.setdefault(visit_id, set()).add(item_id)
    for visit in db.session.scalars(select(Visit)):
        wanted = set(visit.result["critical_failures"]) if visit.status == "released" else set()
        if opened.get(visit.id, set()) != wanted:
            problems.append(f"visit {visit.uuid} ({visit.status}): actions {opened.get(visit.id)}, wanted {wanted}")
    return problems
