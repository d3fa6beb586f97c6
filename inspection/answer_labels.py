"""How an answer reads to a person, in their language: pages, scorecards and exports all say it this way."""

from __future__ import annotations

from flask_babel import gettext as _


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
