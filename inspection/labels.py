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


def role_label(role: str) -> str:
    """Return the role's name in the current language."""
    return str(ROLE_LABELS.get(role, role))


def kind_label(kind: str) -> str:
    """Return the checklist kind's name in the current language."""
    return str(KIND_LABELS.get(kind, kind))


def html_lang() -> str:
    """Return the page language as a BCP 47 tag (zh-CN, en)."""
    return str(get_locale()).replace("_", "-")
