"""Builders for customers' survey links, responses (scored by the engine) and follow-up cases; each flushes."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from inspection.actions.models import CorrectiveAction
from inspection.catalog.services import freeze
from inspection.checklists import load_text, score
from inspection.extensions import db
from inspection.surveys.models import SurveyLink, SurveyResponse

# A short customer survey: two SERVQUAL items weighted 0.75 / 0.25, a rating and a free text.
SURVEY = """id: customer-survey
title: 顾客满意度调查
kind: survey
dimension_weights: {reliability: 0.75, empathy: 0.25}
sections:
  - id: s
    title: 服务
    items:
      - {id: r, text: 业务一次办好, type: servqual, dimension: reliability}
      - {id: e, text: 员工关心我的需要, type: servqual, dimension: empathy}
      - {id: overall, text: 总体满意度, type: rating, points: 10}
      - {id: said, text: 还想说的, type: text}
"""


def survey():
    """Return the short customer survey."""
    return load_text(SURVEY)


def answers(reliability: tuple[int, int], empathy: tuple[int, int], overall: int = 3, said: str | None = None):
    """Return answers: (expectation, perception) per dimension, an overall rating and an optional text."""
    values = {"r": {"expectation": reliability[0], "perception": reliability[1]},
              "e": {"expectation": empathy[0], "perception": empathy[1]}, "overall": overall}
    return {**values, "said": said} if said else values


def link(branch, creator, staff=None, checklist=None) -> SurveyLink:
    """Open a survey link for the branch (a staff badge's, if given)."""
    made = SurveyLink(token=secrets.token_urlsafe(24), checklist_id=(checklist or survey()).id, branch_id=branch.id,
                      staff_id=staff.id if staff is not None else None, created_by_id=creator.id)
    db.session.add(made)
    db.session.flush()
    return made


def respond(survey_link: SurveyLink, values: dict, submitted_at: datetime, checklist=None, comment: str = "",
            contact: str | None = None) -> SurveyResponse:
    """Store a response as the engine scores it; a contact is kept only with consent, as customers give it."""
    checklist = checklist or survey()
    freeze(checklist)
    result = score(checklist, values)
    response = SurveyResponse(link_id=survey_link.id, branch_id=survey_link.branch_id, staff_id=survey_link.staff_id,
                              checklist_id=checklist.id, checklist_version=checklist.version,
                              submitted_at=submitted_at, answers=values, result=result.to_dict(), score=result.score,
                              servqual_gap=result.servqual_gap, comment=comment, consent=contact is not None,
                              contact=contact)
    db.session.add(response)
    db.session.flush()
    return response


def follow_up(response: SurveyResponse, creator, due: date, title: str = "顾客回访：服务评价偏低") -> CorrectiveAction:
    """Open a follow-up case for the response, as the surveys feature does."""
    case = CorrectiveAction(response_id=response.id, title=title, branch_id=response.branch_id,
                            created_by_id=creator.id, due_date=due)
    db.session.add(case)
    db.session.flush()
    return case
