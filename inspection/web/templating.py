"""Template helpers shared by pages and scorecards; the app factory registers them."""

from __future__ import annotations

from dataclasses import fields

from flask import url_for
from flask_babel import gettext as _
from markupsafe import Markup

from ..catalog.services import checklist_title
from ..localtime import local
from ..photos.storage import thumbnail_name


def item_options(item) -> list[tuple[str, str]]:
    """Return (value, label) pairs for the answer buttons of a yes/no, rating or choice item."""
    if item.type == "yes_no":
        if item.scored:
            return [("true", _("Met")), ("false", _("Not met"))]
        return [("true", _("Yes")), ("false", _("No"))]
    if item.type == "rating":
        return [(str(n), str(n)) for n in range(1, item.rating_scale + 1)]
    return [(str(option.value), option.label) for option in item.options]


def answer_label(item, value) -> str:
    """Return an answer as a reader sees it: 达标, 4 / 5, 3.2 s (limit 5 s), N/A."""
    if value is None:
        return "—"
    if value == "na":
        return _("N/A")
    if item.type in ("yes_no", "choice"):
        return dict(item_options(item)).get(str(value).lower() if item.type == "yes_no" else str(value), str(value))
    if item.type == "rating":
        return f"{value} / {item.rating_scale}"
    if item.type == "timer":
        return _("%(seconds)s s (limit %(limit)s s)", seconds=f"{value:g}", limit=f"{item.limit:g}")
    if item.type == "deduction":
        return _("%(count)s occurrence(s)", count=value)
    if item.type == "servqual":
        return _("expected %(e)s, perceived %(p)s", e=value["expectation"], p=value["perception"])
    if item.type == "number":
        return f"{value:g} {item.unit or ''}".strip()
    return str(value)


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


HELPERS = {"item_options": item_options, "answer_label": answer_label, "photo_url": photo_url,
           "stored_photo_url": stored_photo_url, "checklist_title": checklist_title,
           "filter_args": filter_args}
FILTERS = {"localtime": localtime, "script_json": script_json}
