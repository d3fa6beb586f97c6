"""Free text (comments, closing notes) is bounded: a 5 MB note once made its PDF take 43 s."""

from __future__ import annotations

from flask import current_app

from .problems import Invalid


def check_length(field: str, text: str) -> None:
    """Raise Invalid naming the field when the text is longer than INSPECTION_MAX_TEXT_CHARS."""
    limit = current_app.config["MAX_TEXT_CHARS"]
    if len(text) > limit:
        problem = Invalid("%(field)s has at most %(limit)d characters", field=field, limit=limit)
        problem.details.append({"field": field, "code": "text_too_long", "message": problem.message})
        raise problem
