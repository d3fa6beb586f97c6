"""Correct a returned visit: checked in full before any file is written, stored once whatever the retries."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from .. import access
from ..auth.models import User
from ..catalog.services import frozen_checklist
from ..checklists import Checklist, Result
from ..extensions import db
from ..integrity.services import assess_with_linked
from ..lifecycle import VisitAction, VisitStatus
from ..photos.processing import ProcessedPhoto
from ..photos.storage import PendingFiles
from ..problems import BadRequest, Conflict, TooLarge
from ..visits.content import Content, add_photo_files, check_content, photo_counts, replace_content
from ..visits.models import Photo, Visit, VisitRevision
from ..visits.trail import move, record_revision


@dataclass
class Correction:
    """A submitter's corrections of a returned visit: its content, the photos kept and the photos added."""

    answers: dict
    notes: dict
    started_at: datetime | None = None  # None: keep the visit's times
    finished_at: datetime | None = None
    keep_photos: list[tuple[str, str]] | None = None  # (item, stored name) pairs; None keeps every photo
    photos: list[tuple[str, ProcessedPhoto]] = field(default_factory=list)

    def fingerprint(self) -> str:
        """Return a hash of the correction, to tell a retry from another correction."""
        return correction_fingerprint(self, [(item_id, photo.sha256) for item_id, photo in self.photos])


def correction_fingerprint(correction: Correction, photo_hashes: list[tuple[str, str]]) -> str:
    """Return the hash of a correction; photos count by the SHA-256 of the bytes sent, so none is decoded."""
    kept, times = correction.keep_photos, (correction.started_at, correction.finished_at)
    content = {
        "answers": correction.answers, "notes": correction.notes,
        "times": [moment.isoformat() if moment else None for moment in times],
        "keep": sorted(set(kept)) if kept is not None else None, "photos": sorted(photo_hashes),
    }
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@dataclass
class Checked:
    """A correction that passed every check, with what storing it needs."""

    checklist: Checklist
    kept: list[Photo]
    content: Content
    result: Result
    staff: dict


def check_correction(actor: User, visit: Visit, correction: Correction) -> Checked:
    """Check a correction, writing nothing: who and when, kept photos, their number, and its content."""
    access.require_step(actor, "visit", VisitAction.RESUBMIT, visit)
    checklist = frozen_checklist(visit.checklist_version)
    kept = _kept_photos(visit, correction.keep_photos)
    limit = current_app.config["MAX_PHOTOS_PER_VISIT"]
    if len(kept) + len(correction.photos) > limit:
        raise TooLarge("at most %(limit)d photos per visit", limit=limit)
    content = Content(correction.started_at or visit.started_at, correction.finished_at or visit.finished_at,
                      correction.answers, correction.notes)
    counts = photo_counts([photo.item_id for photo in kept] + [item_id for item_id, _ in correction.photos])
    result, staff = check_content(checklist, visit.branch, content, counts)
    return Checked(checklist, kept, content, result, staff)


def resubmit(actor: User, visit: Visit, correction: Correction,
             files: PendingFiles | None = None) -> tuple[Visit, bool]:
    """Store a returned visit's corrections as its next version; return it and whether it changed. Flush only."""
    fingerprint = correction.fingerprint()
    if already_stored(actor, visit, fingerprint):  # the same correction sent again: a retry
        return visit, False
    checked = check_correction(actor, visit, correction)
    try:
        move(actor, visit, VisitAction.RESUBMIT, new_version=True)
    except Conflict:
        db.session.refresh(visit)  # the winner of a race may have stored this very correction
        if already_stored(actor, visit, fingerprint):
            return visit, False
        raise
    replace_content(visit, checked.checklist, checked.content, checked.result, checked.staff, checked.kept,
                    correction.photos)
    record_revision(actor, visit, fingerprint)
    add_photo_files(files, [photo for _, photo in correction.photos])
    assess_with_linked(visit)
    return visit, True


def _kept_photos(visit: Visit, pairs: list[tuple[str, str]] | None) -> list:
    if pairs is None:
        return list(visit.photos)
    wanted = set(pairs)
    unknown = sorted(wanted - {(photo.item_id, photo.stored_name) for photo in visit.photos})
    if unknown:
        names = ", ".join(f"{item}/{name}" for item, name in unknown)
        raise BadRequest("keep_photos names photos this visit does not have: %(names)s", names=names)
    return [photo for photo in visit.photos if (photo.item_id, photo.stored_name) in wanted]


def already_stored(actor: User, visit: Visit, fingerprint: str) -> bool:
    """Tell whether this correction by this person is the visit's current, unreturned version."""
    if visit.status == VisitStatus.RETURNED or visit.version < 2:
        return False
    latest = db.session.scalar(select(VisitRevision).where(VisitRevision.visit_id == visit.id,
                                                           VisitRevision.version == visit.version))
    return latest is not None and latest.created_by_id == actor.id and latest.content_sha256 == fingerprint
