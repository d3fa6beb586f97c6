"""Record audited events within the transaction of what they audit, and find them again."""

from __future__ import annotations

from datetime import date, timedelta

from flask import has_request_context, request
from sqlalchemy import Select, select

from .. import localtime
from ..extensions import db
from .models import AuditEvent

# Shown where no person acted: a command run on the server.
COMMAND_LINE = "command line"


def record(action: str, actor=None, target: object = "", details: dict | None = None,
           actor_label: str | None = None) -> AuditEvent:
    """Add an event for what the actor (a user, or None for a command) just did. Flush only."""
    label = actor_label if actor_label is not None else (actor.email if actor is not None else COMMAND_LINE)
    event = AuditEvent(action=action, actor_id=actor.id if actor is not None else None, actor=label[:254],
                       target=str(target)[:200], address=_address(), details=details or {})
    db.session.add(event)
    db.session.flush()
    return event


def _address() -> str:
    """Return the client address of the request being served, if any."""
    return (request.remote_addr or "")[:45] if has_request_context() else ""


def search(action: str = "", actor: str = "", target: str = "", start: date | None = None,
           end: date | None = None) -> Select:
    """Return the events matching the filters, newest first; dates are days in the app's time zone."""
    query = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if action:
        query = query.where(AuditEvent.action == action)
    if actor:
        query = query.where(AuditEvent.actor.contains(actor.strip().lower()))
    if target:
        query = query.where(AuditEvent.target.contains(target.strip()))
    if start:
        query = query.where(AuditEvent.at >= localtime.day_start(start))
    if end:
        query = query.where(AuditEvent.at < localtime.day_start(end + timedelta(days=1)))
    return query
