"""What a customer is asked: the items of a survey checklist a phone form can show, and its fields read back."""

from __future__ import annotations

from flask import current_app

from ..checklists import AnswerProblem, Checklist, Item, check_answers
from ..checklists.fields import field_value, whole

# The item types a customer answers on the public page; a staff item is answered by a badge link itself,
# and timers, deductions and photos are an inspector's work.
CUSTOMER_TYPES = frozenset({"servqual", "yes_no", "rating", "choice", "text", "number"})
SERVQUAL_PARTS = (("expectation", "e"), ("perception", "p"))
CONTACT_CHARS = 200  # the column's size


def customer_items(checklist: Checklist) -> list[tuple]:
    """Return (section, items shown to customers) for every section that shows any."""
    shown = []
    for section in checklist.sections:
        items = [item for item in section.items if item.type in CUSTOMER_TYPES]
        if items:
            shown.append((section, items))
    return shown


def unanswerable(checklist: Checklist, staff_code: str | None) -> Item | None:
    """Return a required item that customers of this link could not answer, or None."""
    for _, item in checklist.items():
        answered_by_link = item.type == "staff" and staff_code is not None
        if item.is_required and item.show_if is None and item.type not in CUSTOMER_TYPES and not answered_by_link:
            return item
    return None


def read_answers(checklist: Checklist, form, staff_code: str | None) -> tuple[dict, list[AnswerProblem]]:
    """Return the answers a form holds, and the problems of half-answered SERVQUAL statements."""
    answers, problems = {}, []
    for _, item in checklist.items():
        if item.type == "staff" and staff_code is not None:
            answers[item.id] = staff_code
        elif item.type == "servqual":
            parts = {name: form.get(f"a.{item.id}.{short}", "").strip() for name, short in SERVQUAL_PARTS}
            if all(parts.values()):
                answers[item.id] = {name: whole(raw) for name, raw in parts.items()}
            elif any(parts.values()):
                problems.append(AnswerProblem(item.id, "rate both what you expect and what you found",
                                              "servqual_half"))
        elif item.type in CUSTOMER_TYPES:
            raw = form.get(f"a.{item.id}", "").strip()
            if raw:
                answers[item.id] = field_value(item, raw)
    return answers, problems


def response_problems(checklist: Checklist, answers: dict, comment: str, contact: str) -> list[AnswerProblem]:
    """Return every problem of a response: the engine's on the answers, then lengths of the free texts."""
    limit = current_app.config["MAX_TEXT_CHARS"]
    problems = check_answers(checklist, answers)
    for item_id, answer in answers.items():
        if isinstance(answer, str) and len(answer) > limit:
            problems.append(AnswerProblem(item_id, f"a text answer has at most {limit} characters", "text_too_long"))
    if len(comment) > limit:
        problems.append(AnswerProblem("comment", f"a comment has at most {limit} characters", "text_too_long"))
    if len(contact) > CONTACT_CHARS:
        problems.append(AnswerProblem("contact", f"contact details have at most {CONTACT_CHARS} characters",
                                      "contact_too_long"))
    return problems
