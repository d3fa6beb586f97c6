"""Translatable names: roles, checklist kinds, lifecycle states and steps, dimensions, problem codes."""

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from .lifecycle import (
    ActionStatus,
    ActionStep,
    AppealStatus,
    AppealStep,
    AssignmentStatus,
    AssignmentStep,
    VisitAction,
    VisitStatus,
)

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "manager": _l("Manager"),
    "inspector": _l("Inspector"),
    "shopper": _l("Mystery shopper"),
    "branch": _l("Branch manager"),
}
KIND_LABELS = {
    "inspection": _l("Inspection"),
    "mystery_shop": _l("Mystery shop"),
    "survey": _l("Survey"),
    "call_qc": _l("Call QC"),
}
STATUS_LABELS = {
    VisitStatus.SUBMITTED: _l("Submitted"),
    VisitStatus.IN_REVIEW: _l("In review"),
    VisitStatus.RETURNED: _l("Returned"),
    VisitStatus.RELEASED: _l("Released"),
    ActionStatus.OPEN: _l("Open"),
    ActionStatus.IN_PROGRESS: _l("In progress"),
    ActionStatus.DONE: _l("Done"),
    ActionStatus.VERIFIED: _l("Verified"),
    AssignmentStatus.ASSIGNED: _l("To do"),
    "missed": _l("Missed"),
    AssignmentStatus.DECLINED: _l("Declined"),
    AssignmentStatus.CANCELLED: _l("Cancelled"),
    AppealStatus.UPHELD: _l("Upheld"),  # AppealStatus.OPEN is ActionStatus.OPEN's "Open"
    AppealStatus.PARTLY_UPHELD: _l("Partly upheld"),
    AppealStatus.REJECTED: _l("Rejected"),
}
STEP_LABELS = {
    ("visit", VisitAction.START): _l("Start review"),
    ("visit", VisitAction.RELEASE): _l("Release"),
    ("visit", VisitAction.RETURN): _l("Return for correction"),
    ("visit", VisitAction.RESUBMIT): _l("Correct and resubmit"),
    ("visit", VisitAction.AMEND): _l("Amended on appeal"),
    ("appeal", AppealStep.FILE): _l("Appeal"),
    ("appeal", AppealStep.UPHOLD): _l("Uphold"),
    ("appeal", AppealStep.PARTLY_UPHOLD): _l("Uphold in part"),
    ("appeal", AppealStep.REJECT): _l("Reject"),
    ("action", ActionStep.START): _l("Start work"),
    ("action", ActionStep.CLOSE): _l("Mark done"),
    ("action", ActionStep.VERIFY): _l("Verify"),
    ("action", ActionStep.REOPEN): _l("Reopen"),
    ("assignment", AssignmentStep.DECLINE): _l("Decline"),
    ("assignment", AssignmentStep.REASSIGN): _l("Reassign"),
    ("assignment", AssignmentStep.CANCEL): _l("Cancel assignment"),
}
DIMENSION_LABELS = {
    "reliability": _l("Reliability"), "responsiveness": _l("Responsiveness"), "assurance": _l("Assurance"),
    "empathy": _l("Empathy"), "tangibles": _l("Tangibles"),
}
PROBLEM_TITLES = {
    400: _l("The request could not be read"),
    403: _l("You may not do this"),
    404: _l("Not found"),
    405: _l("Not allowed here"),
    409: _l("Changed in the meantime"),
    413: _l("Too large"),
    422: _l("Not accepted"),
    429: _l("Too many attempts: wait a moment, then try again"),
    401: _l("Sign in first"),
    500: _l("Something went wrong on our side"),
    503: _l("Not available just now: try again in a moment"),
}
# What a bare HTTP error means to a user, for the refusals that carry no message of ours.
HTTP_TEXTS = {
    400: _l("The request was incomplete or not in the expected form."),
    401: _l("Sign in, then try again."),
    403: _l("Your account may not open this page."),
    404: _l("There is no such page. Check the address, or go back."),
    405: _l("This page cannot be used this way."),
    413: _l("What was sent is too large."),
    429: _l("Too many attempts. Wait a minute, then try again."),
    500: _l("The error was logged. Try again in a moment; nothing you saved is lost."),
}
# A problem's code, said in the user's language next to the stable English message.
PROBLEM_TEXTS = {
    "required": _l("An answer is required."),
    "invalid": _l("This answer is not valid."),
    "na_not_allowed": _l("N/A is not allowed for this item."),
    "unknown_item": _l("This checklist has no such item."),
    "unknown_staff": _l("Choose an active staff member of this branch."),
    "photo_not_allowed": _l("This item takes no photos."),
    "photo_required": _l("A photo is required."),
    "photo_required_on_fail": _l("A photo is required when the standard is not met."),
    "photo_refused": _l("Photo refused: %(reason)s"),
    "times_missing": _l("Enter the visit date, time in and time out."),
    "invalid_field": _l("This field is missing or not in the expected form."),
    "time_zone_missing": _l("The time needs a time zone."),
    "implausible_date": _l("This date is not plausible."),
    "finished_before_started": _l("The visit ends before it starts."),
    "visit_too_long": _l("A visit lasts at most 24 hours."),
    "in_future": _l("The visit cannot end in the future."),
    "note_too_long": _l("This note is too long."),
    "text_too_long": _l("This answer is too long."),
    "bad_text": _l("This text holds a character that cannot be stored."),
    "closing_note_required": _l("Say what was done: a closing note is required."),
    "closing_photo_required": _l("Show it: a closing photo is required."),
    "window_order": _l("The window ends before it starts."),
    "window_too_long": _l("A window lasts at most a year."),
    "not_assignable": _l("This person cannot take this visit: it is not their kind of work or not in their scope."),
    "reason_missing": _l("Say why you decline it."),
    "unknown_checklist": _l("There is no such checklist."),
    "unknown_user": _l("There is no account with this e-mail address."),
    "unknown_branch": _l("There is no branch with this code."),
    "assignment_mismatch": _l("This assignment is for another checklist or branch."),
    "known_staff": _l("This shopper is known to the staff of this branch."),
    "plan_months": _l("A plan covers 1 to 24 months."),
    "plan_window_days": _l("A window lasts 1 to 31 days."),
    "plan_count": _l("0 to 28 visits a month."),
    "plan_empty": _l("Plan at least one visit a month."),
    "plan_region": _l("No active branch of this region is in your scope."),
    "plan_form": _l("Write the first month as YYYY-MM, and whole numbers for months, counts and window days."),
    "calibration_title": _l("Give the exercise a title of at most 200 characters."),
    "calibration_evaluators": _l("Choose from 2 to 50 evaluators."),
    "calibration_visit": _l("Give the id of a visit of this checklist and branch that you can see, or nothing."),
    "not_an_evaluator": _l("This person cannot evaluate here: it is not their kind of work or not in their scope."),
    "appeal_items_required": _l("Choose at least one item to appeal."),
    "appeal_reason_required": _l("Say why these answers are wrong."),
    "decision_missing": _l("Uphold or reject this item."),
    "decision_comment_required": _l("Say why: a decision needs a comment."),
    "answer_unchanged": _l("An upheld item needs another answer than the one appealed."),
    "amend_lowers_score": _l("An appeal corrects in the branch's favour: these answers would lower its score."),
}


AUDIT_LABELS = {
    "sign_in": _l("Signed in"), "sign_in_failed": _l("Sign-in refused"), "sign_out": _l("Signed out"),
    "sign_out_everywhere": _l("Signed out everywhere"), "password_change": _l("Password changed"),
    "password_reset": _l("Password reset"), "user_create": _l("User created"), "user_update": _l("User changed"),
    "token_create": _l("API token created"), "token_revoke": _l("API token revoked"),
    "visit_submit": _l("Visit submitted"), "visit_start": _l("Review started"), "visit_release": _l("Visit released"),
    "visit_return": _l("Visit returned"), "visit_resubmit": _l("Visit corrected"), "export": _l("Export"),
    "assignment_assign": _l("Visit assigned"), "assignment_decline": _l("Assignment declined"),
    "assignment_reassign": _l("Assignment reassigned"), "assignment_cancel": _l("Assignment cancelled"),
    "assignment_complete": _l("Assignment done"), "plan_create": _l("Plan created"),
    "checklist_publish": _l("Checklist published"), "checklist_retire": _l("Checklist retired"),
    "checklist_restore": _l("Checklist restored"),
    "visit_amend": _l("Visit amended on appeal"), "appeal_file": _l("Appeal filed"),
    "appeal_decide": _l("Appeal decided"),
}
PASSWORD_TEXTS = {
    "too_short": _l("Use at least 10 characters."),
    "personal": _l("Do not use your e-mail address or your name in it."),
    "guessable": _l("Too easy to guess: a few unrelated words, or a longer phrase, are better."),
}


def password_problem_texts(codes: list[str]) -> list[str]:
    """Return what is wrong with a new password, in the user's language."""
    return [str(PASSWORD_TEXTS[code]) for code in codes if code in PASSWORD_TEXTS]


def status_label(status: str) -> str:
    """Return a visit's or action's status in the current language."""
    return str(STATUS_LABELS.get(status, status))


def step_label(noun: str, step: str) -> str:
    """Return the name of a lifecycle step (a button) in the current language."""
    return str(STEP_LABELS.get((noun, step), step))


def role_label(role: str) -> str:
    """Return the role's name in the current language."""
    return str(ROLE_LABELS.get(role, role))


def kind_label(kind: str) -> str:
    """Return the checklist kind's name in the current language."""
    return str(KIND_LABELS.get(kind, kind))


def dimension_labels() -> dict[str, str]:
    """Return the SERVQUAL dimension names in the current language."""
    return {name: str(label) for name, label in DIMENSION_LABELS.items()}


def problem_text(code: str, message: str) -> str:
    """Return a problem in the user's language, or its message when the code has no translation."""
    text = PROBLEM_TEXTS.get(code)
    return str(text) % {"reason": message} if text else message


def servqual_legend() -> tuple[str, str]:
    """Return the names of a SERVQUAL chart's two bars in the current language."""
    return str(_l("Expectation")), str(_l("Perception"))


def problem_title(status: int) -> str:
    """Return what an HTTP error status means to a user, in their language."""
    return str(PROBLEM_TITLES.get(status, _l("Something went wrong")))


def problem_texts() -> dict[str, str]:
    """Return every problem code's text in the current language, for the form's own checks."""
    return {code: str(text) for code, text in PROBLEM_TEXTS.items()}


def html_lang() -> str:
    """Return the page language as a BCP 47 tag (zh-CN, en)."""
    return str(get_locale()).replace("_", "-")
