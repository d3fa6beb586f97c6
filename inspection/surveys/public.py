"""The public page's answers to a customer: the form, and short pages that say what happened, in their language.

These pages stand alone (templates/surveys/public.html): no app layout, stylesheet or script, so that a phone
on a weak signal loads the whole survey in a few kilobytes. Nothing a customer sees is ever cached.
"""

from __future__ import annotations

from babel import Locale
from flask import current_app, make_response, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from ..checklists import Checklist
from ..labels import problem_text
from .models import SurveyLink
from .posters import estimated_minutes
from .questions import CONTACT_CHARS, customer_items

# Outcome -> (heading, sentence) of the pages that carry no form.
MESSAGES = {
    "accepted": (_l("Thank you!"), _l("Your answers have been received. They help this branch serve you better.")),
    "repeat": (_l("Thank you!"), _l("You have already answered this survey today. Your answers count once a day.")),
    "ended": (_l("This survey has ended"), _l("Thank you for your interest. This survey no longer takes answers.")),
    "not_found": (_l("Survey not found"),
                  _l("There is no survey at this address. Please check the code you scanned.")),
    "honeypot": (_l("Not accepted"), _l("Sorry, we could not accept these answers.")),
}
# Outcome -> what the form says above itself when it is shown again.
NOTICES = {
    "too_fast": _l("That was very quick. Please take a moment to check your answers, then send them again."),
    "bad_form": _l("This page was open for a long time. Please check your answers and send them again."),
    "invalid": _l("Some answers need your attention; they are marked below."),
}
# A problem's code, said to a customer (the others as the app says them).
ITEM_TEXTS = {
    "required": _l("Please answer this question."),
    "invalid": _l("Please choose one of the answers."),
    "servqual_half": _l("Please rate both: what you expect and what you found."),
    "text_too_long": _l("Please shorten this text."),
    "contact_too_long": _l("Please shorten your contact details."),
}


def _language() -> str:
    """Return the page's language as the app's settings name it (zh_CN, en), which ?lang= takes."""
    current = get_locale()
    return next((code for code in current_app.config["LANGUAGES"] if Locale.parse(code) == current), str(current))


def _switch() -> dict | None:
    """Return the other language's link: this page with ?lang= (a customer has no account to remember it)."""
    target = next((code for code in current_app.config["LANGUAGES"] if code != _language()), None)
    if target is None:
        return None
    return {"href": url_for(request.endpoint, **(request.view_args or {}), lang=target),
            "label": Locale.parse(target).get_language_name(target), "lang": target.replace("_", "-")}


def no_store(body: str, status: int):
    """Return a customer's page that no browser or proxy keeps."""
    response = make_response(body, status)
    response.headers["Cache-Control"] = "no-store"
    return response


def message_page(outcome: str, status: int, link: SurveyLink | None = None):
    """Return a page with no form: thanks, already answered, ended, not found, refused."""
    heading, sentence = MESSAGES[outcome]
    return no_store(render_template("surveys/message.html", outcome=outcome, heading=heading, sentence=sentence,
                                    link=link, switch=_switch()), status)


def item_errors(problems) -> dict[str, str]:
    """Return the first problem of each item, field or form part, as a customer reads it."""
    errors: dict[str, str] = {}
    for problem in problems:
        text = ITEM_TEXTS.get(problem.code)
        errors.setdefault(problem.item, str(text) if text else problem_text(problem.code, problem.message))
    return errors


def form_page(link: SurveyLink, checklist: Checklist, stamp: str, outcome: str = "form", status: int = 200,
              values=None, errors: dict | None = None):
    """Return the survey form, empty or as it was sent with what must change."""
    notice, errors = NOTICES.get(outcome), errors or {}
    # The notice links to the first answer at fault, in the order of the page (no script moves there).
    first = next((f"q-{item.id}" for _, item in checklist.items() if item.id in errors), next(iter(errors), None))
    action = url_for("surveys.public", token=link.token, lang=_language())
    sections = customer_items(checklist)
    servqual = any(item.type == "servqual" for _, items in sections for item in items)
    body = render_template("surveys/respond.html", link=link, checklist=checklist, sections=sections,
                           servqual=servqual, minutes=estimated_minutes(checklist), stamp=stamp, outcome=outcome,
                           notice=notice and str(notice), first_error=first, values=values or {}, errors=errors,
                           action=action, switch=_switch(), contact_chars=CONTACT_CHARS)
    return no_store(body, status)
