"""Save branches and staff edited by an admin."""

from __future__ import annotations

from sqlalchemy import select

from ..extensions import db


class DuplicateCode(ValueError):
    """Another record already has this code."""


def save_record(model, record, values: dict):
    """Create (record None) or update a branch or staff member; codes stay unique. Flush only."""
    clash = db.session.scalar(select(model).where(model.code == values["code"]))
    if clash is not None and clash is not record:
        raise DuplicateCode(values["code"])
    if record is None:
        record = model(active=True)
        db.session.add(record)
    for key, value in values.items():
        setattr(record, key, value)
    db.session.flush()
    return record


def set_active(record, active: bool) -> None:
    """Deactivate or reactivate; records with history are never deleted. Flush only."""
    record.active = active
    db.session.flush()
