"""Template helpers shared by pages and scorecards; the app factory registers them."""

from __future__ import annotations

from dataclasses import fields

from flask import url_for
from markupsafe import Markup

from ..answer_labels import answer_label, item_options
from ..catalog.services import checklist_title
from ..localtime import local
from ..photos.storage import thumbnail_name
from ..problems import Problem
from .errors import problem_message


def localtime(moment, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """Format an aware time in the app's time zone."""
    return local(moment).strftime(pattern)


def photo_url(photo, thumbnail: bool = False) -> str:
    """Return the access-checked address of a photo or its thumbnail."""
    name = thumbnail_name(photo.stored_name) if thumbnail else photo.stored_name
    return url_for("visits.photo", name=name)


def stored_photo_url(name: str, thumbnail: bool = False) -> str:
    """Return the access-checked address of a photo known by its stored name (a revision's photo)."""
    return url_for("visits.photo", name=thumbnail_name(name) if thumbnail else name)


# What could end a <script> block or an HTML comment, written as JSON escapes the parser reads the same.
SCRIPT_ESCAPES = {"&": "\\u0026", "<": "\\u003c", ">": "\\u003e", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(text: str) -> Markup:
    """Return JSON text that is safe inside <script type="application/json">, whatever its strings hold."""
    for character, escape in SCRIPT_ESCAPES.items():
        text = text.replace(character, escape)
    return Markup(text)


def filter_args(filters) -> dict:
    """Return a list's filters (a dataclass with start and end) as query arguments, for links to its pages."""
    values = {field.name: getattr(filters, field.name) for field in fields(filters)}
    values["from"], values["to"] = values.pop("start"), values.pop("end")
    return {key: str(value) for key, value in values.items() if value not in ("", None)}


def say(problem) -> str:
    """Return a refusal kept for a page (an import's rejected row) in the user's language."""
    return problem_message(problem) if isinstance(problem, Problem) else str(problem)


HELPERS = {"item_options": item_options, "answer_label": answer_label, "photo_url": photo_url,
           "stored_photo_url": stored_photo_url, "checklist_title": checklist_title,
           "filter_args": filter_args, "say": say}
FILTERS = {"localtime": localtime, "script_json": script_json}
