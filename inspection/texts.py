"""Free text (comments, closing notes) is bounded: a 5 MB note once made its PDF take 43 s."""

from __future__ import annotations

from flask import current_app

from .problems import Invalid


def check_length(field: str, text: str) -> None:
    """Raise Invalid naming the field when the text is longer than INSPECTION_MAX_TEXT_CHARS."""
    limit = current_app.config["MAX_TEXT_CHARS"]
    if len(text) > limit:
        raise Invalid.about(field, "text_too_long", "%(field)s has at most %(limit)d characters", field=field,
                            limit=limit)
