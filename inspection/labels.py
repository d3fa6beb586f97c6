"""Translatable names for roles and checklist kinds."""

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "manager": _l("Manager"),
    "inspector": _l("Inspector"),
    "shopper": _l("Mystery shopper"),
}
KIND_LABELS = {
    "inspection": _l("Inspection"),
    "mystery_shop": _l("Mystery shop"),
    "survey": _l("Survey"),
    "call_qc": _l("Call QC"),
}


STATUS_LABELS = {
    "submitted": _l("Submitted"),
    "in_review": _l("In review"),
    "returned": _l("Returned"),
    "released": _l("Released"),
    "open": _l("Open"),
    "in_progress": _l("In progress"),
    "done": _l("Done"),
    "verified": _l("Verified"),
}


def status_label(status: str) -> str:
    """Return a visit's or action's status in the current language."""
    return str(STATUS_LABELS.get(status, status))


def role_label(role: str) -> str:
    """Return the role's name in the current language."""
    return str(ROLE_LABELS.get(role, role))


def kind_label(kind: str) -> str:
    """Return the checklist kind's name in the current language."""
    return str(KIND_LABELS.get(kind, kind))


def html_lang() -> str:
    """Return the page language as a BCP 47 tag (zh-CN, en)."""
    return str(get_locale()).replace("_", "-")
