"""Keep a customer's response, scored against the frozen checklist; count the ones refused, keeping none of them."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from .. import localtime
from ..catalog.services import freeze, get_catalog
from ..checklists import Checklist, score
from ..extensions import db
from .models import SurveyLink, SurveyRejection, SurveyResponse
from .questions import unanswerable

# Why a response was refused (SurveyRejection.reason): the limiter's 429, a second answer from a device the
# same day, the hidden field a script fills in, sent sooner than a person reads, a page stamp missing,
# forged or too old.
RATE_LIMITED, REPEAT, HONEYPOT, TOO_FAST, BAD_FORM = "rate_limited", "repeat", "honeypot", "too_fast", "bad_form"
REASONS = (RATE_LIMITED, REPEAT, HONEYPOT, TOO_FAST, BAD_FORM)
LONGEST_TOKEN = 64  # the column's size: anything longer names no link


def link_by_token(token: str) -> SurveyLink | None:
    """Return the link the token names, open or closed, or None."""
    if not token or len(token) > LONGEST_TOKEN:
        return None
    return db.session.scalar(select(SurveyLink).where(SurveyLink.token == token))


def live_checklist(link: SurveyLink) -> Checklist | None:
    """Return the survey the link asks, or None when customers can no longer answer it (the survey has ended)."""
    checklist = get_catalog().checklists.get(link.checklist_id)
    if not link.active or not link.branch.active or (link.staff is not None and not link.staff.active):
        return None
    if checklist is None or checklist.kind != "survey":
        return None
    return None if unanswerable(checklist, link.staff.code if link.staff else None) else checklist


def store_response(link: SurveyLink, checklist: Checklist, answers: dict, comment: str, consent: bool,
                   contact: str, stamp: str) -> SurveyResponse:
    """Store checked answers with the branch and staff of the link, and nothing of who sent them. Flush only.

    IntegrityError when the page stamp was spent already: the same page sent twice is one response.
    """
    result = score(checklist, answers)
    frozen = freeze(checklist)
    response = SurveyResponse(
        link_id=link.id, branch_id=link.branch_id, staff_id=link.staff_id, checklist_id=checklist.id,
        checklist_version=frozen.version, answers=answers, result=result.to_dict(), score=result.score,
        servqual_gap=result.servqual_gap, comment=comment, consent=consent,
        contact=(contact or None) if consent else None,  # contact details are kept only with consent
        stamp_digest=hashlib.sha256(stamp.encode()).hexdigest(),
    )
    db.session.add(response)
    db.session.flush()
    return response


def count_rejection(link_id: int, reason: str) -> None:
    """Add one to the link's count of refusals for this reason on today's local date. Flush only."""
    if reason not in REASONS:
        raise ValueError(f"unknown rejection reason {reason!r}")
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    table = SurveyRejection.__table__
    statement = insert(table).values(link_id=link_id, day=localtime.today(), reason=reason, count=1)
    # One row per link, day and reason, even when many refusals arrive at once.
    db.session.execute(statement.on_conflict_do_update(index_elements=["link_id", "day", "reason"],
                                                       set_={"count": table.c.count + 1}))
