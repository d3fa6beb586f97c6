"""The content of one version of a visit: checked in one pass, then scored into its rows."""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import or_, select

from ..checklists import AnswerProblem, Checklist, Result, check_answers, photo_problems, score
from ..db import utcnow
from ..extensions import db
from ..lifecycle import COUNTED_VISITS
from ..org.models import Branch, Staff
from ..photos.processing import ProcessedPhoto
from ..photos.storage import PendingFiles, content_name
from ..problems import Invalid
from . import rollup
from .models import Answer, Photo, StaffResult, Visit, VisitDimension

EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
# Device clocks drift; a visit that ends further ahead than this has a wrong date or time zone.
CLOCK_SLACK = timedelta(minutes=15)
LONGEST_VISIT = timedelta(hours=24)


@dataclass
class Content:
    """What the submitter sends for a version: times, answers and notes (photos are counted apart)."""

    started_at: datetime
    finished_at: datetime
    answers: dict
    notes: dict


def check_content(checklist: Checklist, branch: Branch, content: Content, photo_counts: dict[str, int],
                  attributed: frozenset[str] = frozenset()) -> tuple[Result, dict[str, Staff]]:
    """Score the content, or raise Invalid listing every problem: times, answers, notes, photos, staff.

    Staff must be active, except those `attributed` already: an amendment keeps who left since the visit.
    """
    problems = [*time_problems(content.started_at, content.finished_at),
                *check_answers(checklist, content.answers), *_text_problems(checklist, content),
                *photo_problems(checklist, content.answers, photo_counts)]
    staff, staff_problems = _attributed_staff(checklist, content.answers, branch, attributed)
    problems.extend(staff_problems)
    if problems:
        raise Invalid("the visit cannot be accepted as sent: %(count)d problem(s), listed in details", problems,
                      count=len(problems))
    return score(checklist, content.answers), staff


def time_problems(started_at: datetime, finished_at: datetime) -> list[AnswerProblem]:
    """Return what is wrong with a visit's times: zone, order, plausible dates, duration."""
    problems = []
    for name, moment in (("started_at", started_at), ("finished_at", finished_at)):
        if moment.tzinfo is None:
            problems.append(AnswerProblem(name, f"{name} needs a time zone", "time_zone_missing"))
        elif not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
            problems.append(AnswerProblem(name, f"{name} is not a plausible date", "implausible_date"))
    if problems:
        return problems
    if finished_at < started_at:
        problems.append(AnswerProblem("finished_at", "finished_at is before started_at", "finished_before_started"))
    elif finished_at - started_at > LONGEST_VISIT:
        problems.append(AnswerProblem("finished_at", "a visit lasts at most 24 hours", "visit_too_long"))
    if finished_at > utcnow() + CLOCK_SLACK:
        problems.append(AnswerProblem("finished_at", "finished_at is in the future", "in_future"))
    return problems


def _text_problems(checklist: Checklist, content: Content) -> list[AnswerProblem]:
    """Return what is wrong with the notes and text answers: unknown items, no text, too long."""
    limit = current_app.config["MAX_TEXT_CHARS"]
    problems = []
    for item_id, note in content.notes.items():
        if checklist.item(item_id) is None:
            problems.append(AnswerProblem(str(item_id), "a note for an item this checklist does not have",
                                          "unknown_item"))
        elif not isinstance(note, str):
            problems.append(AnswerProblem(str(item_id), "a note must be text"))
        elif len(note) > limit:
            problems.append(AnswerProblem(str(item_id), f"a note has at most {limit} characters", "note_too_long"))
    for _, item in checklist.items():
        answer = content.answers.get(item.id)
        if item.type == "text" and isinstance(answer, str) and len(answer) > limit:
            problems.append(AnswerProblem(item.id, f"a text answer has at most {limit} characters", "text_too_long"))
    return problems


def _attributed_staff(checklist: Checklist, answers: dict, branch: Branch, attributed: frozenset[str]):
    """Return the branch's staff named in staff items, and a problem for each unknown code."""
    wanted = {answers[item.id]: item.id for _, item in checklist.items()
              if item.type == "staff" and isinstance(answers.get(item.id), str) and answers[item.id].strip()
              and answers[item.id] != "na"}
    found = {member.code: member for member in db.session.scalars(
        select(Staff).where(Staff.code.in_(wanted), Staff.branch_id == branch.id,
                            or_(Staff.active, Staff.code.in_(attributed))))}
    problems = [AnswerProblem(item_id, f"no active staff member '{code}' at branch {branch.code}", "unknown_staff")
                for code, item_id in wanted.items() if code not in found]
    return found, problems


def apply_content(visit: Visit, checklist: Checklist, content: Content, result: Result,
                  staff: dict[str, Staff], before: Set[rollup.Key] = frozenset()) -> None:
    """Set the visit's times, answers, result and staff results from checked content (before: the months of the
    results it replaces)."""
    visit.started_at = content.started_at.astimezone(timezone.utc)
    visit.finished_at = content.finished_at.astimezone(timezone.utc)
    visit.score, visit.passed, visit.rating, visit.result = result.score, result.passed, result.rating, result.to_dict()
    visit.critical_failures, visit.servqual_gap = len(result.critical_failures), result.servqual_gap
    visit.dimensions = [
        VisitDimension(dimension=name, earned=dim.earned, possible=dim.possible,
                       expectation=dim.expectation, perception=dim.perception)
        for name, dim in result.dimensions.items()
    ]
    visit.answers = [Answer(item_id=item_id, value=content.answers.get(item_id), note=content.notes.get(item_id, ""))
                     for item_id in sorted(set(content.answers) | set(content.notes))]
    sections = _staff_sections(checklist, content.answers, result)
    visit.staff_results = [
        StaffResult(staff=staff[code], finished_at=visit.finished_at, branch_id=visit.branch.id,
                    counted=visit.status in COUNTED_VISITS, sections=sections[code],
                    earned=tally.earned, possible=tally.possible)
        for code, tally in result.staff.items()
    ]
    if visit.status in COUNTED_VISITS:  # an amendment of a released visit: its months are summed again
        rollup.refresh(visit.staff_results, before)


def current_content(visit: Visit) -> Content:
    """Return the visit's current version as content: its times, the answers given and the notes."""
    return Content(visit.started_at, visit.finished_at,
                   {answer.item_id: answer.value for answer in visit.answers if answer.value is not None},
                   {answer.item_id: answer.note for answer in visit.answers if answer.note})


def replace_content(visit: Visit, checklist: Checklist, content: Content, result: Result, staff: dict[str, Staff],
                    kept: list[Photo], added=()) -> None:
    """Make checked content the visit's current version; photos not kept are marked replaced in it. Flush only."""
    before = rollup.keys_of(visit.staff_results)
    # Drop the old rows first: the new ones reuse their unique (visit, item) keys.
    visit.answers, visit.staff_results, visit.dimensions = [], [], []
    for photo in visit.photos:
        if photo not in kept:
            photo.replaced_in = visit.version
    visit.all_photos.extend(photo_row(item_id, photo) for item_id, photo in added)
    db.session.flush()
    apply_content(visit, checklist, content, result, staff, before)
    db.session.flush()
    db.session.expire(visit, ["photos"])


def _staff_sections(checklist: Checklist, answers: dict, result: Result) -> dict[str, list[str]]:
    """Return, for each staff code, the sections whose staff item names them."""
    sections: dict[str, list[str]] = {}
    for section in checklist.sections:
        for item in section.items:
            if item.type == "staff" and result.items[item.id].status != "excluded":
                sections.setdefault(answers[item.id], []).append(section.id)
    return sections


def photo_row(item_id: str, photo: ProcessedPhoto) -> Photo:
    """Return the row of a processed photo; its file is written under the same content name."""
    latitude, longitude = photo.gps or (None, None)
    return Photo(item_id=item_id, stored_name=content_name(photo.image, photo.image_sha256), sha256=photo.sha256,
                 size=photo.size, width=photo.width, height=photo.height, taken_at=photo.taken_at,
                 latitude=latitude, longitude=longitude, phash=photo.phash)


def add_photo_files(files: PendingFiles | None, photos: list[ProcessedPhoto]) -> None:
    """Have the photos' files written with the transaction that names them."""
    if photos and files is None:
        raise ValueError("photos need PendingFiles to be written to")
    for photo in photos:
        files.add_processed(photo)


def photo_counts(item_ids) -> dict[str, int]:
    """Count photos per item."""
    counts: dict[str, int] = {}
    for item_id in item_ids:
        counts[item_id] = counts.get(item_id, 0) + 1
    return counts
