"""Assess a visit's evidence when it is submitted or corrected, and store its signals and trust score.

Nothing here refuses anything: the signals are reasons for a reviewer to look closer (signals.py says which).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from .. import access
from ..auth.models import User
from ..catalog.services import frozen_checklist
from ..extensions import db
from ..lifecycle import COUNTED_VISITS
from ..media.store import MediaStore
from ..photos.processing import PhotoError, stored_phash
from ..photos.storage import photo_key, thumbnail_name
from ..visits.models import Photo, Visit
from . import signals

# Bounds on what one assessment reads, whatever the history: copies of a file anywhere (by its hash's index),
# near copies among the most recent photos of the same branch or the same submitter, and the earlier visits
# whose median length stands for the expected one.
SAME_FILE_LIMIT = 200
NEAR_CANDIDATE_LIMIT = 10_000
# A near copy is looked for among the photos of this half year around the visit, which the indexes on
# (branch, finished) and (submitter, finished) find without reading older ones.
NEAR_WINDOW = timedelta(days=183)
MEDIAN_SAMPLE = 200


@dataclass
class Reason:
    """One signal as a reviewer's page shows it, with the other visit it names (None when it names none)."""

    code: str
    params: dict
    other: Visit | None = None


def thresholds() -> signals.Thresholds:
    """Return the thresholds the settings give (INSPECTION_INTEGRITY_*)."""
    config = current_app.config
    return signals.Thresholds(max_distance_m=config["INTEGRITY_MAX_DISTANCE_M"],
                              time_slack=timedelta(minutes=config["INTEGRITY_TIME_SLACK_MINUTES"]),
                              phash_distance=config["INTEGRITY_PHASH_DISTANCE"],
                              short_ratio=config["INTEGRITY_SHORT_RATIO"])


def assess(visit: Visit) -> None:
    """Compute the visit's signals and trust score from its current version and store them. Flush only."""
    photos = list(visit.photos)
    branch = visit.branch
    position = _place(branch.latitude, branch.longitude)
    evidence = signals.Evidence(
        started_at=visit.started_at, finished_at=visit.finished_at,
        photos=[signals.PhotoFacts(photo.sha256, photo.phash, photo.taken_at, _place(photo.latitude, photo.longitude))
                for photo in photos],
        branch_position=position, candidates=_candidates(visit, photos), expected=_expected(visit))
    found = signals.assess(evidence, thresholds())
    visit.integrity = _named(found)
    visit.trust = signals.trust(found)
    db.session.flush()


def _named(found: list[signals.Signal]) -> list[dict]:
    """Return the signals as stored, naming other visits by their public id rather than their row id."""
    rows = {signal.params["visit"] for signal in found if "visit" in signal.params}
    ids = {row: str(key) for row, key in db.session.execute(
        select(Visit.id, Visit.uuid).where(Visit.id.in_(rows)))} if rows else {}
    return [{**signal.to_dict(), "params": {**signal.params, "visit": ids[signal.params["visit"]]}}
            if "visit" in signal.params else signal.to_dict() for signal in found]


def assess_with_linked(visit: Visit) -> None:
    """Assess a new or corrected visit, and again every other visit its signals name, before or now. Flush only."""
    # An older visit whose photo this one copies learns of the copy; one whose photo a correction dropped forgets it.
    before = linked_visits(visit)
    assess(visit)
    # A visit another transaction holds is skipped rather than waited for: waiting could deadlock with a
    # correction that holds its own row, and its signals come right with that transaction or `integrity recompute`.
    for other in _visits(before | linked_visits(visit), skip_locked=True):
        if other.id != visit.id:
            assess(other)


def linked_visits(visit: Visit) -> set[str]:
    """Return the ids of the other visits the visit's stored signals name."""
    return {signal["params"]["visit"] for signal in visit.integrity or () if "visit" in signal["params"]}


def reasons(user: User, visit: Visit) -> list[Reason]:
    """Return the visit's signals for a reviewer, each with the other visit it names."""
    access.require(user, "visit.integrity", visit)
    others = {str(other.uuid): other for other in _visits(linked_visits(visit))}
    return [Reason(signal["code"], signal["params"], others.get(signal["params"].get("visit")))
            for signal in visit.integrity or ()]


def _place(latitude: float | None, longitude: float | None) -> tuple[float, float] | None:
    return (latitude, longitude) if latitude is not None and longitude is not None else None


def _visits(ids: set[str], skip_locked: bool = False) -> list[Visit]:
    if not ids:
        return []
    query = select(Visit).where(Visit.uuid.in_([uuid.UUID(key) for key in ids])).order_by(Visit.id)
    return list(db.session.scalars(query.with_for_update(skip_locked=True) if skip_locked else query))


def _candidates(visit: Visit, photos: list[Photo]) -> list[signals.Candidate]:
    """Return other visits' current photos that may copy these: same file anywhere, else same branch or person."""
    if not photos:
        return []
    # Named by row id here (cheaper to read by the thousand than a UUID); _named says their public ids.
    others = (select(Photo.visit_id, Photo.sha256, Photo.phash).join(Visit, Photo.visit_id == Visit.id)
              .where(Photo.visit_id != visit.id, Photo.replaced_in.is_(None)))
    rows = list(db.session.execute(
        others.where(Photo.sha256.in_({photo.sha256 for photo in photos}))
        .order_by(Visit.finished_at.desc()).limit(SAME_FILE_LIMIT)))
    if any(photo.phash for photo in photos):
        rows += db.session.execute(
            others.where(Photo.phash.is_not(None),
                         or_(Visit.branch_id == visit.branch_id, Visit.submitter_id == visit.submitter_id),
                         Visit.finished_at.between(visit.finished_at - NEAR_WINDOW, visit.finished_at + NEAR_WINDOW))
            .order_by(Visit.finished_at.desc()).limit(NEAR_CANDIDATE_LIMIT))
    return [signals.Candidate._make(row) for row in rows]


def _expected(visit: Visit) -> tuple[float, str] | None:
    """Return how long such a visit takes: the checklist's expected_minutes, else earlier released visits' median."""
    checklist = frozen_checklist(visit.checklist_version)
    declared = checklist.expected_minutes if checklist is not None else None
    earlier = []
    if declared is None:
        earlier = [(finished - started).total_seconds() / 60 for started, finished in db.session.execute(
            select(Visit.started_at, Visit.finished_at)
            .where(Visit.checklist_id == visit.checklist_id, Visit.status.in_(COUNTED_VISITS),
                   Visit.id != visit.id, Visit.finished_at < visit.finished_at)
            .order_by(Visit.finished_at.desc()).limit(MEDIAN_SAMPLE))]
    return signals.expected_minutes(declared, earlier)


# -- for rows stored before perceptual hashes ----------------------------------------------------------------------

def unhashed_names(after: str, limit: int) -> list[str]:
    """Return stored photo names after this one whose rows have no perceptual hash yet, in name order."""
    return list(db.session.scalars(select(Photo.stored_name).where(Photo.phash.is_(None), Photo.stored_name > after)
                                   .group_by(Photo.stored_name).order_by(Photo.stored_name).limit(limit)))


def fill_phash(store: MediaStore, name: str) -> bool:
    """Give the rows of one stored photo their perceptual hash, read from its file; False when it cannot be read."""
    data = store.get(photo_key(thumbnail_name(name))) or store.get(photo_key(name))
    if data is None:
        return False
    try:
        value = stored_phash(data)
    except PhotoError:
        return False
    db.session.execute(update(Photo).where(Photo.stored_name == name, Photo.phash.is_(None)).values(phash=value))
    return True


def visit_ids(after: int, limit: int) -> list[int]:
    """Return visit ids after this one, in order, to assess all visits in batches."""
    return list(db.session.scalars(select(Visit.id).where(Visit.id > after).order_by(Visit.id).limit(limit)))


def assess_ids(ids: list[int]) -> None:
    """Assess these visits again. Flush only."""
    for visit in db.session.scalars(select(Visit).where(Visit.id.in_(ids))):
        assess(visit)
