"""What a notification says: one line for the page, a subject and a body for the e-mail, in the reader's language."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from .. import localtime
from ..labels import status_label

DASH = "—"
# One line per kind, filled from the notification's params (see _values); "assignment.new.many" is a count > 1.
LINES = {
    "assignment.new": _l("New assignment: %(checklist)s at %(branch)s, %(start)s – %(end)s"),
    "assignment.new.many": _l("%(count)s new assignments"),
    "assignment.due": _l("Due tomorrow: %(checklist)s at %(branch)s, by %(end)s"),
    "visit.returned": _l("Returned for correction: %(checklist)s at %(branch)s"),
    "visit.released": _l("Released: %(checklist)s at %(branch)s, score %(score)s"),
    "action.assigned": _l("New corrective action at %(branch)s: %(title)s, due %(due)s"),
    "action.overdue": _l("Overdue corrective action at %(branch)s: %(title)s, was due %(due)s"),
    # A customer's follow-up case comes from a survey response, not a visit: a call-back, not a fix.
    "followup.opened": _l("Customer to call back at %(branch)s: %(title)s, by %(due)s"),
    "followup.overdue": _l("Overdue customer follow-up at %(branch)s: %(title)s, was due %(due)s"),
    "digest": _l("%(count)s unread notifications in the last 24 hours"),
    "assignment.cancelled": _l("No longer yours: %(checklist)s at %(branch)s, %(start)s – %(end)s"),
    "assignment.declined": _l("Declined, to reassign: %(checklist)s at %(branch)s, %(start)s – %(end)s"),
    "visit.appealable": _l("Released: %(checklist)s at %(branch)s, score %(score)s; appealable until %(due)s"),
    "appeal.filed": _l("Appeal to decide: %(checklist)s at %(branch)s, %(count)s item(s)"),
    "appeal.decided": _l("Appeal decided: %(checklist)s at %(branch)s: %(outcome)s"),
}
GENERIC = _l("You have a new notification.")
# Lines the e-mail adds when the params hold them; a digest also lists the kinds it sums up.
DETAILS = (("scenario", _l("Scenario: %(scenario)s")), ("comment", _l("Comment: %(comment)s")))
KIND_LABELS = {
    "assignment.new": _l("New assignments"),
    "assignment.due": _l("Assignments due"),
    "visit.returned": _l("Visits returned for correction"),
    "visit.released": _l("Visits released"),
    "action.assigned": _l("New corrective actions"),
    "action.overdue": _l("Overdue corrective actions"),
    "followup.opened": _l("Customers to call back"),
    "followup.overdue": _l("Overdue customer follow-ups"),
    "assignment.cancelled": _l("Assignments taken back"),
    "assignment.declined": _l("Assignments declined"),
    "visit.appealable": _l("Visits released to your branch"),
    "appeal.filed": _l("Appeals to decide"),
    "appeal.decided": _l("Appeals decided"),
}


def _plain(value) -> str:
    """Return a parameter as one line of text, a dash when it is missing."""
    return DASH if value is None else " ".join(str(value).split()) or DASH


def _moment(value) -> str:
    """Return an ISO time in the app's time zone; anything else as it is."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return _plain(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(localtime.zone())
    return moment.strftime("%Y-%m-%d %H:%M")


def _count(params: dict) -> int:
    try:
        return int(params.get("count", 1))
    except (TypeError, ValueError):
        return 1


def _score(value) -> str:
    is_number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return f"{value:.1f}" if is_number else _plain(value)


def _values(params: dict) -> dict:
    """Return every placeholder of the texts, read leniently: a missing or odd parameter never raises."""
    return {
        "count": _count(params), "branch": _plain(params.get("branch_name") or params.get("branch")),
        "checklist": _plain(params.get("checklist_title")), "title": _plain(params.get("title")),
        "start": _moment(params.get("window_start")), "end": _moment(params.get("window_end")),
        "due": _plain(params.get("due_date")), "score": _score(params.get("score")),
        "scenario": _plain(params.get("scenario")), "comment": _plain(params.get("comment")),
        "outcome": status_label(_plain(params.get("outcome"))),
    }


def line(kind: str, params) -> str:
    """Return a notification's one-line text in the current language; an unknown kind gets a generic one."""
    params = params if isinstance(params, dict) else {}
    values = _values(params)
    if kind == "assignment.new" and values["count"] > 1:
        kind = "assignment.new.many"
    template = LINES.get(kind)
    return str(GENERIC) if template is None else str(template) % values


def mail_texts(kind: str, params, url: str) -> tuple[str, str]:
    """Return the subject and the plain-text body of a notification's e-mail in the current language."""
    params = params if isinstance(params, dict) else {}
    subject, values = line(kind, params), _values(params)
    details = [str(text) % values for name, text in DETAILS if params.get(name)]
    kinds = params.get("kinds") if isinstance(params.get("kinds"), list) else []
    details += [f"- {KIND_LABELS.get(_plain(name), _plain(name))}" for name in kinds]
    body = [subject, *details, "", _("Open it here: %(url)s", url=url), "", "-- ", _("Service Inspection")]
    return subject, "\n".join(body) + "\n"


def reader_locale(user) -> str:
    """Return the language a user reads notifications in: their own choice, else the default."""
    config = current_app.config
    return user.locale if user.locale in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]
