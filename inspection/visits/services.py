"""Record a submitted visit once, whatever the retries: score it through the engine and store it in one go."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from .. import access
from ..auth.models import User
from ..catalog.services import freeze, frozen_checklist
from ..checklists import Checklist, Result
from ..extensions import db
from ..lifecycle import VISITS, VisitAction
from ..org.models import Branch, Staff
from ..photos.processing import ProcessedPhoto
from ..photos.storage import PendingFiles
from ..problems import Conflict, NotFound
from .content import Content, add_photo_files, apply_content, check_content, photo_counts, photo_row
from .models import Photo, Visit, VisitEvent
from .trail import record_creation


@dataclass
class Submission:
    uuid: uuid.UUID
    checklist_id: str
    branch_code: str
    started_at: datetime
    finished_at: datetime
    answers: dict
    notes: dict[str, str] = field(default_factory=dict)
    photos: list[tuple[str, ProcessedPhoto]] = field(default_factory=list)
    version: str | None = None  # the checklist version the form was filled against, when the client said
    assignment: int | None = None  # the assignment this visit carries out, if any (plans.fieldwork checks it)

    def fingerprint(self) -> str:
        """Return a hash of the content, to tell a retry from a conflicting reuse of the id."""
        return fingerprint(self.checklist_id, self.branch_code, self.started_at, self.finished_at, self.answers,
                           self.notes, [(item_id, photo.sha256) for item_id, photo in self.photos], self.assignment)

    def content(self) -> Content:
        return Content(self.started_at, self.finished_at, self.answers, self.notes)


def fingerprint(checklist_id: str, branch_code: str, started_at: datetime, finished_at: datetime, answers: dict,
                notes: dict, photo_hashes: list[tuple[str, str]], assignment: int | None = None) -> str:
    """Return the hash of a submission; photos count by the SHA-256 of the bytes sent, so none is decoded."""
    content = {
        "checklist": checklist_id, "branch": branch_code,
        "started_at": started_at.isoformat(), "finished_at": finished_at.isoformat(),
        "answers": answers, "notes": notes, "photos": sorted(photo_hashes),
    }
    if assignment is not None:  # only then, so that visits stored before assignments keep their fingerprint
        content["assignment"] = assignment
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


Checked = tuple[Branch, Result, dict[str, Staff]]  # what check_submission found: the branch, the score, the staff


def check_submission(actor: User, checklist: Checklist, submission: Submission) -> Checked:
    """Check a new visit, writing nothing: scope, then times, answers, notes, photo rules and staff at once."""
    branch = _submittable_branch(actor, checklist, submission.branch_code)
    counts = photo_counts(item_id for item_id, _ in submission.photos)
    result, staff = check_content(checklist, branch, submission.content(), counts)
    return branch, result, staff


def submit_visit(actor: User, checklist: Checklist, submission: Submission,
                 files: PendingFiles | None = None, checked: Checked | None = None) -> tuple[Visit, bool]:
    """Score and store a visit with its photo files; return it and whether it is new. Flush only.

    `checked` is what check_submission returned for this submission in this session, just after finding no visit
    under its id, so as not to check twice.
    """
    # Sending the same visit again, even at the same instant, returns the stored one; the same id with
    # other content is a Conflict. One stored since it was checked is found by the insert below.
    content_sha256 = submission.fingerprint()
    existing = None if checked else replayed(actor, submission.uuid, content_sha256, submission.version)
    if existing is not None:
        return existing, False
    branch, result, staff = checked or check_submission(actor, checklist, submission)
    visit = Visit(uuid=submission.uuid, checklist_id=checklist.id, kind=checklist.kind, snapshot=freeze(checklist),
                  branch=branch,
                  submitter_id=actor.id, status=VISITS.rule(None, VisitAction.SUBMIT).target,
                  content_sha256=content_sha256)
    apply_content(visit, checklist, submission.content(), result, staff)
    visit.all_photos = [photo_row(item_id, photo) for item_id, photo in submission.photos]
    try:
        with db.session.begin_nested():
            db.session.add(visit)
            db.session.flush()
    except IntegrityError:
        # Another request inserted this id between our look and our insert (PostgreSQL): read theirs.
        existing = replayed(actor, submission.uuid, content_sha256, submission.version)
        if existing is None:
            raise
        return existing, False
    set_committed_value(visit, "photos", list(visit.all_photos))  # a new visit's photos are all current
    record_creation(actor, visit, content_sha256)
    add_photo_files(files, [photo for _, photo in submission.photos])
    return visit, True


def _submittable_branch(actor: User, checklist: Checklist, branch_code: str) -> Branch:
    branch = db.session.scalar(select(Branch).where(Branch.code == branch_code))
    if branch is None:
        raise NotFound("unknown branch '%(code)s'", code=branch_code)
    access.require(actor, "visit.submit", access.Fill(checklist.kind, branch))
    return branch


def check_may_submit(actor: User, checklist: Checklist, branch_code: str) -> Branch:
    """Refuse a new visit the actor may not submit, before any of its photos is read."""
    return _submittable_branch(actor, checklist, branch_code)


def presence(people: list[int], branches: list[int], since: datetime) -> list[tuple[int, int, datetime]]:
    """Return (submitter, branch, start) of the anonymous visits made since then, for the plans' rules."""
    return [tuple(row) for row in db.session.execute(
        select(Visit.submitter_id, Visit.branch_id, Visit.started_at).where(
        Visit.kind.in_(sorted(access.ANONYMOUS_KINDS)), Visit.started_at >= since,
        Visit.submitter_id.in_(people), Visit.branch_id.in_(branches)))]


def stored_visit(visit_uuid: uuid.UUID) -> Visit | None:
    """Return the visit stored under this id, whoever may see it (to tell a retry from a new visit)."""
    return db.session.scalar(select(Visit).where(Visit.uuid == visit_uuid))


def replayed(actor: User, visit_uuid: uuid.UUID, content_sha256: str, version: str | None = None) -> Visit | None:
    """Return the stored visit if this is a retry of it; Conflict if the id holds other content."""
    existing = stored_visit(visit_uuid)
    return None if existing is None else retry_of(actor, existing, content_sha256, version)


def retry_of(actor: User, existing: Visit, content_sha256: str, version: str | None = None) -> Visit:
    """Return the stored visit if this content is a retry of it by its submitter; Conflict if not."""
    same_version = version is None or existing.checklist_version == version
    if existing.submitter_id == actor.id and existing.content_sha256 == content_sha256 and same_version:
        return existing
    raise Conflict("visit %(uuid)s was already submitted with other content", uuid=existing.uuid)


def visible_visit(user: User, visit_uuid: uuid.UUID | str) -> Visit:
    """Return the visit if the user may see it; NotFound otherwise, so that ids outside one's scope leak nothing."""
    try:
        key = visit_uuid if isinstance(visit_uuid, uuid.UUID) else uuid.UUID(str(visit_uuid))
    except ValueError:
        raise NotFound("no visit %(uuid)s", uuid=visit_uuid) from None
    visit = db.session.scalar(select(Visit).where(Visit.uuid == key))
    if visit is None or not access.can(user, "visit.view", visit):
        raise NotFound("no visit %(uuid)s", uuid=visit_uuid)
    return visit


def visit_details(visit: Visit) -> dict:
    """Return what a visit page or scorecard shows: frozen checklist, answers, photos, staff names."""
    checklist = frozen_checklist(visit.checklist_version)
    photos: dict[str, list[Photo]] = {}
    for photo in visit.photos:
        photos.setdefault(photo.item_id, []).append(photo)
    staff_items = {item.id for _, item in checklist.items() if item.type == "staff"}
    codes = {a.value for a in visit.answers if a.item_id in staff_items and isinstance(a.value, str)}
    names = dict(db.session.execute(select(Staff.code, Staff.name).where(Staff.code.in_(codes))).all()) if codes else {}
    return {"visit": visit, "checklist": checklist, "result": visit.result, "photos": photos,
            "answers": {answer.item_id: answer for answer in visit.answers}, "staff_names": names}


def load_trail(visit: Visit) -> None:
    """Load the visit's events with their actors and its revisions in two queries, for the visit page."""
    db.session.scalars(select(Visit).where(Visit.id == visit.id).options(
        selectinload(Visit.events).selectinload(VisitEvent.actor), selectinload(Visit.revisions))).all()
