"""Decide an appeal item by item; upheld items correct the visit as a new version, rescored like a correction."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from .. import access
from ..audit.services import record
from ..auth.models import User
from ..catalog.services import frozen_checklist
from ..checklists.answers import NA, value_problem
from ..db import utcnow
from ..extensions import db
from ..lifecycle import APPEALS, AppealStep, VisitAction
from ..notifications.services import notify
from ..problems import BadRequest, Conflict, Invalid
from ..texts import check_length
from ..visits.content import check_content, current_content, photo_counts, replace_content
from ..visits.trail import move, record_revision
from .models import Appeal, ItemOutcome

# Items whose answer is typed as text; a choice names its option; every other answer comes as JSON (true, 4, 2.5).
TEXT_TYPES = frozenset({"text", "staff"})


@dataclass(frozen=True)
class ItemDecision:
    """A decider's word on one item: upheld with a corrected answer (as typed) or N/A, or rejected."""

    upheld: bool
    corrected: str = ""
    na: bool = False


def _step(decisions: dict[str, ItemDecision]) -> str:
    upheld = sum(decision.upheld for decision in decisions.values())
    if upheld == len(decisions):
        return AppealStep.UPHOLD
    return AppealStep.PARTLY_UPHOLD if upheld else AppealStep.REJECT


def _read(item, decision: ItemDecision):
    """Return the corrected answer of an upheld item, read by the item's type; ValueError if it is not one."""
    if decision.na:
        return NA
    raw = decision.corrected.strip()
    if item.type in TEXT_TYPES:
        return raw
    if item.type == "choice":  # offered as the text of each option's value, which may be a number
        return next((option.value for option in item.options if str(option.value) == raw), raw)
    return json.loads(raw)


def _corrections(appeal: Appeal, checklist, decisions: dict[str, ItemDecision]) -> tuple[dict, list[dict]]:
    """Return the corrected answers of the upheld items, and a problem for each decision that cannot be taken."""
    appealed = {item.item_id: item for item in appeal.items}
    problems = [{"field": f"outcome.{item_id}", "item": item_id, "code": "decision_missing",
                 "message": f"decide item {item_id}: uphold or reject it"} for item_id in appealed
                if item_id not in decisions]
    corrected = {}
    for item_id, decision in decisions.items():
        if not decision.upheld:
            continue
        item = checklist.item(item_id)
        try:
            value = _read(item, decision)
        except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth
            value = decision.corrected
        message = value_problem(item, value)
        if message:
            code = "na_not_allowed" if value == NA else "invalid"
            problems.append({"field": f"value.{item_id}", "item": item_id, "code": code, "message": message})
        elif json.dumps(value) == json.dumps(appealed[item_id].answer):
            problems.append({"field": f"value.{item_id}", "item": item_id, "code": "answer_unchanged",
                             "message": "an upheld item needs another answer than the one appealed"})
        else:
            corrected[item_id] = value
    return corrected, problems


def check_decision(actor: User, appeal: Appeal, decisions: dict[str, ItemDecision], comment: str):
    """Check a decision, writing nothing: who and from which state, every item decided, answers the visit takes."""
    unknown = sorted(set(decisions) - {item.item_id for item in appeal.items})
    if unknown:
        raise BadRequest("decisions on items this appeal does not name: %(items)s", items=", ".join(unknown))
    step = _step(decisions) if decisions else AppealStep.REJECT
    access.require(actor, f"appeal.{step}", appeal)
    checklist = frozen_checklist(appeal.visit.checklist_version)
    corrected, problems = _corrections(appeal, checklist, decisions)
    if not comment.strip():
        problems.append({"field": "comment", "code": "decision_comment_required",
                         "message": "say why: a decision needs a comment"})
    if problems:
        raise Invalid("the appeal cannot be decided as sent: %(count)d problem(s), listed in details", problems,
                      count=len(problems))
    check_length("comment", comment)
    if not corrected:
        return step, checklist, None
    visit = appeal.visit
    content = current_content(visit)
    content.answers.update(corrected)
    # The whole visit is checked again: a corrected answer may show or hide items, or name another staff member.
    attributed = frozenset(row.staff.code for row in visit.staff_results)
    result, staff = check_content(checklist, visit.branch, content,
                                  photo_counts(photo.item_id for photo in visit.photos), attributed)
    if _worse(visit, result):
        raise Invalid("the appeal cannot be decided as sent: %(count)d problem(s), listed in details",
                      [{"field": "comment", "code": "amend_lowers_score",
                        "message": "an appeal corrects in the branch's favour: this would lower the score"}], count=1)
    return step, checklist, (content, result, staff)


def _worse(visit, result) -> bool:
    """Tell whether the corrected result is worse for the branch: a lower score, or more critical failures."""
    lower = result.score is not None and visit.score is not None and result.score < visit.score - 1e-9
    return lower or len(result.critical_failures) > visit.critical_failures


def decide(actor: User, appeal: Appeal, decisions: dict[str, ItemDecision], comment: str) -> Appeal:
    """Decide every item; upheld ones make the visit's next version, rescored with its staff results. Flush only."""
    step, checklist, rescored = check_decision(actor, appeal, decisions, comment)
    rule = APPEALS.rule(appeal.status, step)
    # A conditional update: of two managers deciding at once, the second matches no open appeal and is told so.
    now = utcnow()
    claimed = db.session.execute(
        update(Appeal).where(Appeal.id == appeal.id, Appeal.status == rule.source)
        .values(status=rule.target, decided_by_id=actor.id, decided_at=now, comment=comment.strip())
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise Conflict("the appeal was decided by someone else meanwhile; reload it")
    for name, value in (("status", rule.target), ("decided_by_id", actor.id), ("decided_at", now),
                        ("comment", comment.strip())):
        set_committed_value(appeal, name, value)
    visit = appeal.visit
    if rescored is not None:
        content, result, staff = rescored
        move(actor, visit, VisitAction.AMEND, comment.strip(), new_version=True)
        replace_content(visit, checklist, content, result, staff, kept=list(visit.photos))
        record_revision(actor, visit, None)
        appeal.decided_version = visit.version
    for item in appeal.items:
        upheld = decisions[item.item_id].upheld
        item.outcome = ItemOutcome.UPHELD if upheld else ItemOutcome.REJECTED
        item.corrected = rescored[0].answers[item.item_id] if upheld else None
    db.session.flush()
    record("appeal_decide", actor, visit.uuid, {"appeal": appeal.id, "status": rule.target,
                                                "version": visit.version})
    notify(appeal.filed_by, "appeal.decided", {"branch_name": visit.branch.name, "checklist_title": checklist.title,
                                               "outcome": rule.target}, f"/appeals/{appeal.id}")
    return appeal

