"""Record a submitted visit: score it through the engine and store it in one go."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from .. import access
from ..auth.models import User
from ..catalog.services import freeze, frozen_checklist
from ..checklists import AnswerProblem, Checklist, photo_problems, score
from ..extensions import db
from ..org.models import Branch, Staff
from ..photos.processing import ProcessedPhoto
from ..photos.storage import StagedFiles, new_stored_name, thumbnail_name
from ..review.trail import record_event, record_revision
from .models import Answer, Photo, StaffResult, Visit, VisitDimension


class SubmissionError(ValueError):
    """A submission that cannot be stored; `problems` names each field or item at fault."""

    def __init__(self, message: str, problems: list[AnswerProblem] | None = None):
        super().__init__(message)
        self.problems = problems or []


class SubmissionNotFound(LookupError):
    """The submission names a branch that does not exist."""


class SubmissionForbidden(PermissionError):
    """The submitter may not submit this checklist for this branch."""


class SubmissionConflict(ValueError):
    """The visit id is taken by a submission with different content."""


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

    def fingerprint(self) -> str:
        """Return a hash of the content, to tell a retry from a conflicting reuse of the id."""
        content = {
            "checklist": self.checklist_id, "branch": self.branch_code,
            "started_at": self.started_at.isoformat(), "finished_at": self.finished_at.isoformat(),
            "answers": self.answers, "notes": self.notes,
            "photos": sorted((item_id, photo.sha256) for item_id, photo in self.photos),
        }
        canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def submit_visit(actor: User, checklist: Checklist, submission: Submission,
                 files: StagedFiles | None = None) -> tuple[Visit, bool]:
    """Score and store a visit, staging its photo files; return it and whether it is new. Flush only."""
    existing = db.session.scalar(select(Visit).where(Visit.uuid == submission.uuid))
    if existing is not None:
        if existing.submitter_id == actor.id and existing.content_sha256 == submission.fingerprint():
            return existing, False
        raise SubmissionConflict(f"visit {submission.uuid} was already submitted with other content")
    branch = db.session.scalar(select(Branch).where(Branch.code == submission.branch_code))
    if branch is None:
        raise SubmissionNotFound(f"unknown branch '{submission.branch_code}'")
    if not access.can_submit(actor, checklist.kind, branch):
        raise SubmissionForbidden(f"you may not submit {checklist.id} for branch {branch.code}")
    _check_times(submission)
    visit = Visit(
        uuid=submission.uuid, checklist_id=checklist.id, snapshot=freeze(checklist),
        branch=branch, submitter_id=actor.id, started_at=submission.started_at,
        finished_at=submission.finished_at, content_sha256=submission.fingerprint(),
    )
    photo_counts: dict[str, int] = {}
    for item_id, _ in submission.photos:
        photo_counts[item_id] = photo_counts.get(item_id, 0) + 1
    apply_answers(visit, checklist, submission.answers, submission.notes, photo_counts)
    visit.photos = [_photo_row(item_id, photo, files) for item_id, photo in submission.photos]
    db.session.add(visit)
    db.session.flush()
    record_revision(visit, actor)
    record_event(visit, actor, "submit", "submitted")
    return visit, True


def _check_times(submission: Submission) -> None:
    for name in ("started_at", "finished_at"):
        if getattr(submission, name).tzinfo is None:
            raise SubmissionError(f"{name} needs a time zone")
    if submission.finished_at < submission.started_at:
        raise SubmissionError("finished_at is before started_at")


def apply_answers(visit: Visit, checklist: Checklist, answers: dict, notes: dict,
                  photo_counts: dict[str, int]) -> None:
    """Score answers and set the visit's answers, result and staff results from them."""
    _check_notes(checklist, notes)
    result = score(checklist, answers)
    problems = photo_problems(checklist, answers, result, photo_counts)
    if problems:
        raise SubmissionError("some photos are missing or not allowed", problems)
    staff = _attributed_staff(checklist, answers, visit.branch)
    visit.score, visit.passed, visit.rating, visit.result = result.score, result.passed, result.rating, result.to_dict()
    visit.critical_failures, visit.servqual_gap = len(result.critical_failures), result.servqual_gap
    visit.dimensions = [
        VisitDimension(dimension=name, earned=dim.earned, possible=dim.possible,
                       expectation=dim.expectation, perception=dim.perception)
        for name, dim in result.dimensions.items()
    ]
    visit.answers = _answer_rows(answers, notes)
    sections = _staff_sections(checklist, answers, result)
    visit.staff_results = [
        StaffResult(staff=staff[code], finished_at=visit.finished_at, branch_id=visit.branch.id,
                    counted=visit.status == "released", sections=sections[code],
                    earned=tally.earned, possible=tally.possible)
        for code, tally in result.staff.items()
    ]


def _staff_sections(checklist: Checklist, answers: dict, result) -> dict[str, list[str]]:
    """Return, for each staff code, the sections whose staff item names them."""
    sections: dict[str, list[str]] = {}
    for section in checklist.sections:
        for item in section.items:
            if item.type == "staff" and result.items[item.id].status != "excluded":
                sections.setdefault(answers[item.id], []).append(section.id)
    return sections


def _photo_row(item_id: str, photo: ProcessedPhoto, files: StagedFiles | None) -> Photo:
    if files is None:
        raise ValueError("photos need a StagedFiles to be written to")
    stored_name = new_stored_name()
    files.stage(stored_name, photo.image)
    files.stage(thumbnail_name(stored_name), photo.thumbnail)
    latitude, longitude = photo.gps or (None, None)
    return Photo(item_id=item_id, stored_name=stored_name, sha256=photo.sha256, size=photo.size,
                 width=photo.width, height=photo.height, taken_at=photo.taken_at,
                 latitude=latitude, longitude=longitude)


def _check_notes(checklist: Checklist, notes: dict) -> None:
    problems = [
        AnswerProblem(str(item_id), "a note for an item this checklist does not have", "unknown_item")
        if checklist.item(item_id) is None else AnswerProblem(str(item_id), "a note must be text")
        for item_id, note in notes.items()
        if checklist.item(item_id) is None or not isinstance(note, str)
    ]
    if problems:
        raise SubmissionError("some notes cannot be stored", problems)


def _attributed_staff(checklist: Checklist, answers: dict, branch: Branch) -> dict[str, Staff]:
    """Return the branch's staff named in staff items; unknown codes name their item."""
    wanted = {answers[item.id]: item.id for _, item in checklist.items()
              if item.type == "staff" and isinstance(answers.get(item.id), str) and answers[item.id] != "na"}
    found = {
        member.code: member
        for member in db.session.scalars(
            select(Staff).where(Staff.code.in_(wanted), Staff.branch_id == branch.id, Staff.active)
        )
    }
    problems = [AnswerProblem(item_id, f"no active staff member '{code}' at branch {branch.code}", "unknown_staff")
                for code, item_id in wanted.items() if code not in found]
    if problems:
        raise SubmissionError("some staff members are unknown", problems)
    return found


def _answer_rows(answers: dict, notes: dict) -> list[Answer]:
    return [Answer(item_id=item_id, value=answers.get(item_id), note=notes.get(item_id, ""))
            for item_id in sorted(set(answers) | set(notes))]


def visit_details(visit: Visit) -> dict:
    """Return what a visit page or scorecard shows: frozen checklist, answers, photos, staff names."""
    checklist = frozen_checklist(visit.checklist_version)
    photos: dict[str, list[Photo]] = {}
    for photo in visit.photos:
        photos.setdefault(photo.item_id, []).append(photo)
    staff_items = {item.id for _, item in checklist.items() if item.type == "staff"}
    codes = {a.value for a in visit.answers if a.item_id in staff_items and isinstance(a.value, str)}
    names = dict(db.session.execute(select(Staff.code, Staff.name).where(Staff.code.in_(codes))).all())
    return {"visit": visit, "checklist": checklist, "result": visit.result, "photos": photos,
            "answers": {answer.item_id: answer for answer in visit.answers}, "staff_names": names}
