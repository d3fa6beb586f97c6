"""Review before release: start, release, return with comments, and correct a returned visit as a new version."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from .. import access
from ..actions.services import open_for_critical_failures
from ..auth.models import User
from ..catalog.services import frozen_checklist
from ..extensions import db
from ..lifecycle import REVIEW_ACTIONS, VisitAction, VisitStatus
from ..photos.processing import ProcessedPhoto
from ..photos.storage import PendingFiles
from ..problems import BadRequest, Conflict, NotFound, TooLarge
from ..visits.content import Content, add_photo_files, apply_content, check_content, photo_counts, photo_row
from ..visits.models import Visit, VisitEvent, VisitRevision
from ..visits.trail import move, record_revision


def review(actor: User, visit: Visit, action: str, comment: str = "",
           item_comments: dict[str, str] | None = None) -> VisitEvent:
    """Take one review step; returning needs a comment. Flush only."""
    if action not in REVIEW_ACTIONS:
        raise BadRequest(f"unknown action '{action}': use start, release or return")
    access.require_step(actor, "visit", action, visit)
    item_comments = {key: text.strip() for key, text in (item_comments or {}).items() if text and text.strip()}
    checklist = frozen_checklist(visit.checklist_version)
    unknown = sorted(key for key in item_comments if checklist.item(key) is None)
    if unknown:
        raise BadRequest(f"comments on items this checklist does not have: {', '.join(unknown)}")
    if action == VisitAction.RETURN and not (comment.strip() or item_comments):
        raise BadRequest("say what to correct: a comment, or comments on items")
    event = move(actor, visit, action, comment.strip(), item_comments)
    if action == VisitAction.RELEASE:
        open_for_critical_failures(actor, visit)
    return event


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
        content = {
            "answers": self.answers, "notes": self.notes,
            "times": [moment.isoformat() if moment else None for moment in (self.started_at, self.finished_at)],
            "keep": sorted(self.keep_photos) if self.keep_photos is not None else None,
            "photos": sorted((item_id, photo.sha256) for item_id, photo in self.photos),
        }
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def resubmit(actor: User, visit: Visit, correction: Correction,
             files: PendingFiles | None = None) -> tuple[Visit, bool]:
    """Store a returned visit's corrections as its next version; return it and whether it changed. Flush only."""
    # The same correction sent again after it was stored (a retry) returns the visit unchanged.
    fingerprint = correction.fingerprint()
    if _already_stored(actor, visit, fingerprint):
        return visit, False
    access.require_step(actor, "visit", VisitAction.RESUBMIT, visit)
    checklist = frozen_checklist(visit.checklist_version)
    kept = _kept_photos(visit, correction.keep_photos)
    limit = current_app.config["MAX_PHOTOS_PER_VISIT"]
    if len(kept) + len(correction.photos) > limit:
        raise TooLarge(f"at most {limit} photos per visit")
    content = Content(correction.started_at or visit.started_at, correction.finished_at or visit.finished_at,
                      correction.answers, correction.notes)
    counts = photo_counts([photo.item_id for photo in kept] + [item_id for item_id, _ in correction.photos])
    result, staff = check_content(checklist, visit.branch, content, counts)
    try:
        move(actor, visit, VisitAction.RESUBMIT, new_version=True)
    except Conflict:
        db.session.refresh(visit)  # the winner of a race may have stored this very correction
        if _already_stored(actor, visit, fingerprint):
            return visit, False
        raise
    # Drop the old rows first: the new ones reuse their unique (visit, item) keys.
    visit.answers, visit.staff_results, visit.dimensions = [], [], []
    for photo in visit.photos:
        if photo not in kept:
            photo.replaced_in = visit.version
    visit.all_photos.extend(photo_row(item_id, photo) for item_id, photo in correction.photos)
    db.session.flush()
    apply_content(visit, checklist, content, result, staff)
    db.session.flush()
    db.session.expire(visit, ["photos"])
    record_revision(actor, visit, fingerprint)
    add_photo_files(files, [photo for _, photo in correction.photos])
    return visit, True


def _kept_photos(visit: Visit, pairs: list[tuple[str, str]] | None) -> list:
    if pairs is None:
        return list(visit.photos)
    wanted = set(pairs)
    unknown = sorted(wanted - {(photo.item_id, photo.stored_name) for photo in visit.photos})
    if unknown:
        names = ", ".join(f"{item}/{name}" for item, name in unknown)
        raise BadRequest(f"keep_photos names photos this visit does not have: {names}")
    return [photo for photo in visit.photos if (photo.item_id, photo.stored_name) in wanted]


def _already_stored(actor: User, visit: Visit, fingerprint: str) -> bool:
    """Tell whether this correction by this person is the visit's current, unreturned version."""
    if visit.status == VisitStatus.RETURNED or visit.version < 2:
        return False
    latest = db.session.scalar(select(VisitRevision).where(VisitRevision.visit_id == visit.id,
                                                           VisitRevision.version == visit.version))
    return latest is not None and latest.created_by_id == actor.id and latest.content_sha256 == fingerprint


def revision_diff(visit: Visit, older: int, newer: int) -> dict:
    """Compare two versions: times, the items whose answer, note, photos or points changed, and the scores."""
    revisions = {revision.version: revision for revision in visit.revisions}
    if older not in revisions or newer not in revisions:
        raise NotFound(f"visit {visit.uuid} has versions {sorted(revisions)}")
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
