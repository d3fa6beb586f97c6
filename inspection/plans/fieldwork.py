"""A visit submitted (against an assignment or not): checked, stored, assessed, its assignment done, in one go."""

from __future__ import annotations

from ..auth.models import User
from ..checklists import Checklist
from ..integrity.services import assess_with_linked
from ..photos.storage import PendingFiles
from ..visits import services as visits
from ..visits.models import Visit
from .services import check_for_visit, complete


def check_may_submit(actor: User, checklist: Checklist, branch_code: str, assignment: int | None) -> None:
    """Refuse a new visit (or its assignment) the actor may not submit, before any of its photos is read."""
    branch = visits.check_may_submit(actor, checklist, branch_code)
    if assignment is not None:
        check_for_visit(actor, assignment, checklist.id, branch)


def check_submission(actor: User, checklist: Checklist, submission: visits.Submission) -> visits.Checked:
    """Check a new visit and the assignment it carries out, writing nothing; return what submit takes as checked."""
    checked = visits.check_submission(actor, checklist, submission)
    if submission.assignment is not None:
        check_for_visit(actor, submission.assignment, checklist.id, checked[0])
    return checked


def submit(actor: User, checklist: Checklist, submission: visits.Submission,
           files: PendingFiles | None = None, checked: visits.Checked | None = None) -> tuple[Visit, bool]:
    """Store and assess a visit and mark its assignment done; a retry changes nothing. Flush only."""
    visit, created = visits.submit_visit(actor, checklist, submission, files, checked)
    if created:
        assess_with_linked(visit)
    if created and submission.assignment is not None:
        complete(actor, check_for_visit(actor, submission.assignment, checklist.id, visit.branch), visit)
    return visit, created
