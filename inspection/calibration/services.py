"""Calibration exercises: a manager sets one up, evaluators score it apart from each other, the manager closes it.

Scores go through the checklist engine, against the version frozen when the exercise was made, and are kept in
tables of their own: nothing that reads visits (performance, leaderboards, exports, coverage) ever sees them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from .. import access
from ..auth.models import User
from ..catalog.services import freeze, frozen_checklist, get_catalog
from ..checklists import AnswerProblem, Checklist, check_answers, score
from ..db import utcnow
from ..extensions import db
from ..lifecycle import CalibrationStatus, CalibrationStep
from ..org.models import Branch, Staff
from ..problems import Conflict, Invalid, NotFound
from ..texts import check_length
from ..visits.models import Visit
from .models import CalibrationExercise, CalibrationParticipant, CalibrationScore
from .results import Results, Sheet, compute

TITLE_CHARS = 200
MOST_EVALUATORS = 50
PAGE_SIZE = 50


@dataclass
class Draft:
    """An exercise about to be set up, as the manager's form gives it."""

    title: str
    checklist_id: str
    branch_code: str
    target: str = ""
    visit: str = ""  # the id (UUID) of a visit whose photos and notes are the evidence, if any
    evaluators: list[str] = field(default_factory=list)  # e-mail addresses


def calibration_checklists() -> list[Checklist]:
    """Return the checklists an exercise may use (not customers' surveys), in title order."""
    return sorted((c for c in get_catalog().checklists.values() if c.kind in access.CALIBRATION_KINDS),
                  key=lambda checklist: checklist.title)


def candidates(actor: User) -> list[User]:
    """Return the active people who may evaluate in at least one of the actor's branches, by name."""
    branches = db.session.scalars(access.scoped_branches(actor)).all()
    return list(db.session.scalars(select(User).where(access.evaluator_filter(branches)).order_by(User.name, User.id)))


def _source_visit(actor: User, raw: str, checklist: Checklist) -> Visit | None:
    if not raw.strip():
        return None
    try:
        key = uuid.UUID(raw.strip())
    except ValueError:
        key = None
    visit = db.session.scalar(select(Visit).where(Visit.uuid == key)) if key else None
    if visit is None or not access.can(actor, "visit.view", visit) or visit.checklist_id != checklist.id:
        raise Invalid.about("visit", "calibration_visit", "no visit %(id)s of checklist %(checklist)s for you",
                            id=raw.strip()[:40], checklist=checklist.id)
    return visit


def _branch(actor: User, code: str, visit: Visit | None, kind: str) -> Branch:
    branch = visit.branch if visit is not None and not code else \
        db.session.scalar(select(Branch).where(Branch.code == code.strip()))
    if branch is None or not branch.active or not access.can(actor, "calibration.open", access.Fill(kind, branch)):
        raise NotFound("no branch %(code)s", code=code or "-")
    if visit is not None and visit.branch_id != branch.id:
        raise Invalid.about("visit", "calibration_visit", "visit %(id)s is not at branch %(branch)s",
                            id=str(visit.uuid), branch=branch.code)
    return branch


def _evaluators(emails: list[str], kind: str, branch: Branch) -> list[User]:
    wanted = sorted({email.strip().lower() for email in emails if email.strip()})
    if not 2 <= len(wanted) <= MOST_EVALUATORS:
        raise Invalid.about("evaluators", "calibration_evaluators", "choose from 2 to %(most)d evaluators",
                            most=MOST_EVALUATORS)
    people = {user.email: user for user in db.session.scalars(select(User).where(User.email.in_(wanted)))}
    for email in wanted:
        person = people.get(email)
        if person is None:
            raise Invalid.about("evaluators", "unknown_user", "no account '%(email)s'", email=email)
        if not access.can(person, "calibration.evaluate", access.Fill(kind, branch)):
            raise Invalid.about("evaluators", "not_an_evaluator", "%(email)s cannot evaluate %(kind)s at %(branch)s",
                                email=email, kind=kind, branch=branch.code)
    return [people[email] for email in wanted]


def create(actor: User, draft: Draft) -> CalibrationExercise:
    """Set up an exercise with its frozen checklist version and chosen evaluators. Flush only."""
    access.require(actor, "calibrations.manage")
    title = draft.title.strip()
    if not title or len(title) > TITLE_CHARS:
        raise Invalid.about("title", "calibration_title", "a title of 1 to %(most)d characters", most=TITLE_CHARS)
    check_length("target", draft.target)
    checklist = get_catalog().checklists.get(draft.checklist_id)
    if checklist is None or checklist.kind not in access.CALIBRATION_KINDS:
        raise Invalid.about("checklist", "unknown_checklist", "unknown checklist '%(id)s'", id=draft.checklist_id)
    visit = _source_visit(actor, draft.visit, checklist)
    branch = _branch(actor, draft.branch_code, visit, checklist.kind)
    people = _evaluators(draft.evaluators, checklist.kind, branch)
    exercise = CalibrationExercise(
        title=title, target=draft.target.strip(), visit=visit, checklist_id=checklist.id, kind=checklist.kind,
        checklist_version=freeze(checklist).version, branch=branch, created_by_id=actor.id,
        participants=[CalibrationParticipant(user_id=person.id) for person in people])
    db.session.add(exercise)
    db.session.flush()
    return exercise


def visible_exercise(user: User, exercise_id: int) -> CalibrationExercise:
    """Return the exercise if the user manages it or evaluates it; NotFound otherwise."""
    exercise = db.session.get(CalibrationExercise, exercise_id)
    if exercise is None or not access.can(user, "calibration.view", exercise):
        raise NotFound("no calibration exercise %(id)s", id=exercise_id)
    return exercise


def exercises(user: User, page: int) -> tuple[list[tuple[CalibrationExercise, int]], int]:
    """Return a page of the exercises the user sees, newest first, each with how many have submitted; and the total."""
    access.require(user, "calibrations.list")
    seen = access.calibration_filter(user, CalibrationExercise, CalibrationParticipant)
    total = db.session.scalar(select(func.count()).select_from(CalibrationExercise).where(seen))
    submitted = select(func.count()).select_from(CalibrationScore) \
        .where(CalibrationScore.exercise_id == CalibrationExercise.id).correlate(CalibrationExercise).scalar_subquery()
    rows = db.session.execute(select(CalibrationExercise, submitted).where(seen).options(
        selectinload(CalibrationExercise.branch), selectinload(CalibrationExercise.participants))
        .order_by(CalibrationExercise.created_at.desc(), CalibrationExercise.id.desc())
        .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return [(exercise, count) for exercise, count in rows], total


def open_for(user: User) -> int:
    """Return how many open exercises wait for the user's score."""
    return db.session.scalar(select(func.count()).select_from(CalibrationParticipant).join(CalibrationExercise).where(
        CalibrationParticipant.user_id == user.id, CalibrationExercise.status == CalibrationStatus.OPEN,
        ~select(CalibrationScore.id).where(CalibrationScore.exercise_id == CalibrationExercise.id,
                                           CalibrationScore.evaluator_id == user.id).exists()))


def exercise_checklist(exercise: CalibrationExercise) -> Checklist:
    """Return the checklist exactly as it was frozen for the exercise."""
    return frozen_checklist(exercise.checklist_version)


def evaluator_names(user: User, exercise: CalibrationExercise) -> dict[int, str | None]:
    """Return each evaluator's name as the user may read it: a manager all, an evaluator only their own."""
    manages = access.can(user, "calibration.manage", exercise)
    return {p.user_id: p.user.name if manages or p.user_id == user.id else None for p in exercise.participants}


def evaluator_numbers(exercise: CalibrationExercise) -> dict[int, int]:
    """Return each evaluator's number in the exercise (1, 2, …), how the others are told apart unnamed."""
    return {participant.user_id: number for number, participant in enumerate(exercise.participants, 1)}


def own_score(exercise: CalibrationExercise, user: User) -> CalibrationScore | None:
    return next((row for row in exercise.scores if row.evaluator_id == user.id), None)


def answer_problems(exercise: CalibrationExercise, checklist: Checklist, answers: dict) -> list[AnswerProblem]:
    """Return every problem of the answers: the engine's, staff of other branches, texts too long."""
    problems = check_answers(checklist, answers)
    staff = set(db.session.scalars(select(Staff.code).where(Staff.branch_id == exercise.branch_id, Staff.active)))
    limit = current_app.config["MAX_TEXT_CHARS"]
    for _, item in checklist.items():
        value = answers.get(item.id)
        if item.type == "staff" and isinstance(value, str) and value not in staff:
            problems.append(AnswerProblem(item.id, "no active staff member with this code here", "unknown_staff"))
        elif isinstance(value, str) and len(value) > limit:
            problems.append(AnswerProblem(item.id, "a text answer is too long", "text_too_long"))
    return problems


def submit(actor: User, exercise: CalibrationExercise, answers: dict) -> CalibrationScore:
    """Score the evaluator's answers and keep them, replacing their earlier ones. Flush only."""
    # The exercise's row is locked so that a close cannot slip in between the check and the write.
    db.session.scalar(select(CalibrationExercise.id).where(CalibrationExercise.id == exercise.id).with_for_update())
    db.session.refresh(exercise)
    access.require(actor, "calibration.score", exercise)
    checklist = exercise_checklist(exercise)
    problems = answer_problems(exercise, checklist, answers)
    if problems:
        raise Invalid("the answers cannot be accepted: %(count)d problem(s), listed in details", problems,
                      count=len(problems))
    result = score(checklist, answers)
    row = own_score(exercise, actor) or CalibrationScore(exercise_id=exercise.id, evaluator_id=actor.id)
    row.answers, row.result, row.score, row.submitted_at = answers, result.to_dict(), result.score, utcnow()
    db.session.add(row)
    db.session.flush()
    db.session.expire(exercise, ["scores"])
    return row


def close(actor: User, exercise: CalibrationExercise) -> None:
    """Close an open exercise: no more scores; its evaluators now see the results. Flush only."""
    access.require_step(actor, "calibration", CalibrationStep.CLOSE, exercise)
    closed = db.session.execute(
        update(CalibrationExercise).where(CalibrationExercise.id == exercise.id,
                                          CalibrationExercise.status == CalibrationStatus.OPEN)
        .values(status=CalibrationStatus.CLOSED, closed_at=utcnow()).execution_options(synchronize_session=False))
    if closed.rowcount != 1:
        raise Conflict("this exercise is closed already")
    db.session.refresh(exercise)


def results(exercise: CalibrationExercise) -> Results:
    """Return the exercise's results from the scores submitted so far."""
    sheets = [Sheet(row.evaluator_id, row.answers, row.result, row.score) for row in exercise.scores]
    return compute(exercise_checklist(exercise), sheets, current_app.config["CALIBRATION_KAPPA"])


def evidence(exercise: CalibrationExercise) -> dict[str, dict]:
    """Return the source visit's photos and notes by item: what every evaluator scores from."""
    if exercise.visit is None:
        return {}
    found: dict[str, dict] = {}
    for photo in exercise.visit.photos:
        found.setdefault(photo.item_id, {"photos": [], "note": ""})["photos"].append(photo)
    for answer in exercise.visit.answers:
        if answer.note:
            found.setdefault(answer.item_id, {"photos": [], "note": ""})["note"] = answer.note
    return found


def evidence_photo(exercise: CalibrationExercise, stored_name: str) -> bool:
    """Tell whether the photo (by its stored name) is part of the exercise's evidence."""
    return exercise.visit is not None and any(photo.stored_name == stored_name for photo in exercise.visit.photos)
