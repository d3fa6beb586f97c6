"""A customer's poor score, or a comment they agreed to be contacted about, opens a follow-up case for the branch.

A follow-up case is a corrective action that points at the response instead of a visit's item: it has the
same open → done → verified flow, owner and due date, and its branch's managers hear of it at once.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask_babel import force_locale, gettext

from .. import localtime
from ..actions.models import CorrectiveAction
from ..actions.services import tell_managers
from ..extensions import db
from ..lifecycle import ACTIONS, ActionStep
from .models import SurveyLink, SurveyResponse

TITLE_CHARS = 80


def needs_follow_up(response: SurveyResponse) -> bool:
    """Tell whether the response scored below the threshold, or carries a comment with consent to a contact."""
    below = response.score is not None and response.score < current_app.config["SURVEY_FOLLOW_UP_BELOW"]
    return below or (bool(response.comment.strip()) and response.consent)


def case_title(comment: str) -> str:
    """Return the case's title: the start of the comment, else "Customer follow-up" in the app's language."""
    words = " ".join(comment.split())
    if words:
        return words if len(words) <= TITLE_CHARS else words[:TITLE_CHARS - 1] + "…"
    # Stored once for every reader, like a checklist item's text: in the language the branches work in.
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        return gettext("Customer follow-up")


def open_follow_up(response: SurveyResponse, link: SurveyLink) -> CorrectiveAction | None:
    """Open the response's follow-up case when it needs one and tell the branch's managers. Flush only."""
    if not needs_follow_up(response):
        return None
    days = current_app.config["SURVEY_FOLLOW_UP_DAYS"]
    action = CorrectiveAction(
        response_id=response.id, title=case_title(response.comment), branch_id=response.branch_id,
        staff_id=response.staff_id, due_date=localtime.today() + timedelta(days=days),
        created_by_id=link.created_by_id, status=ACTIONS.rule(None, ActionStep.OPEN).target,
    )
    db.session.add(action)
    db.session.flush()
    tell_managers(action, "opened")
    return action
