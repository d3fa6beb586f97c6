"""A customer's poor score, or a comment they agreed to be contacted about, opens a follow-up case for the branch.

A follow-up case is a corrective action that points at the response instead of a visit's item: it has the
same open → done → verified flow, owner and due date, and its branch's managers hear of it at once.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from .. import localtime
from ..actions.models import CorrectiveAction
from ..actions.services import tell_managers
from ..extensions import db
from ..lifecycle import ACTIONS, ActionStep
from .models import SurveyLink, SurveyResponse


def needs_follow_up(response: SurveyResponse) -> bool:
    """Tell whether the response scored below the threshold, or carries a comment with consent to a contact."""
    below = response.score is not None and response.score < current_app.config["SURVEY_FOLLOW_UP_BELOW"]
    return below or (bool(response.comment.strip()) and response.consent)


def case_title(response: SurveyResponse) -> str:
    """Return the case's title, which lists, notices and PDFs show: never the customer's own words.

    A comment often holds a phone number; it stays on the case page, where the contact rule applies.
    """
    # Stored once for every reader, like a checklist item's text: in the language the branches work in.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        if response.score is None:
            return gettext("Customer follow-up")
        return gettext("Customer follow-up (score %(score).0f)", score=response.score)


def _cases_today(link: SurveyLink) -> int:
    """Count the follow-up cases the link's responses opened today (the branches' day)."""
    return db.session.scalar(
        select(func.count()).select_from(CorrectiveAction)
        .join(SurveyResponse, CorrectiveAction.response_id == SurveyResponse.id)
        .where(SurveyResponse.link_id == link.id,
               SurveyResponse.submitted_at >= localtime.day_start(localtime.today())))


def open_follow_up(response: SurveyResponse, link: SurveyLink) -> CorrectiveAction | None:
    """Open the response's follow-up case when it needs one and tell the branch's managers. Flush only."""
    if not needs_follow_up(response):
        return None
    # Anonymous answers must not bury a branch in cases: past the cap the response still counts in the figures.
    if _cases_today(link) >= current_app.config["SURVEY_FOLLOW_UPS_PER_LINK_DAY"]:
        return None
    days = current_app.config["SURVEY_FOLLOW_UP_DAYS"]
    action = CorrectiveAction(
        response_id=response.id, title=case_title(response), branch_id=response.branch_id,
        staff_id=response.staff_id, due_date=localtime.today() + timedelta(days=days),
        created_by_id=link.created_by_id, status=ACTIONS.rule(None, ActionStep.OPEN).target,
    )
    db.session.add(action)
    db.session.flush()
    tell_managers(action, "opened")
    return action
