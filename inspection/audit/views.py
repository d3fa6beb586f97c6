"""The audit log for admins: search it, and download what was found as CSV."""

from __future__ import annotations

from datetime import date
from itertools import chain

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_login import current_user, login_required

from .. import access
from ..db import write_transaction
from ..extensions import db
from ..labels import AUDIT_LABELS
from ..problems import BadRequest
from ..web.requests import page_number
from ..web.spreadsheets import csv_stream
from .services import record, search

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")
PAGE_SIZE = 100
COLUMNS = ["at", "actor", "action", "target", "address", "details"]


@bp.before_request
@login_required
def admins_only():
    if not access.can(current_user, "audit.read"):
        abort(403)


def _filters() -> dict:
    filters = {key: request.args.get(key, "").strip()[:200] for key in ("action", "actor", "target")}
    try:
        for key in ("from", "to"):
            filters[key] = date.fromisoformat(request.args[key]) if request.args.get(key) else None
    except ValueError:
        raise BadRequest("dates are written YYYY-MM-DD") from None
    return filters


def _query(filters: dict):
    return search(filters["action"], filters["actor"], filters["target"], filters["from"], filters["to"])


@bp.get("/")
def index():
    filters, page = _filters(), page_number()
    events = db.session.scalars(_query(filters).offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)).all()
    return render_template("audit/index.html", events=events[:PAGE_SIZE], filters=filters, page=page,
                           has_next=len(events) > PAGE_SIZE, actions=AUDIT_LABELS)


@bp.get("/audit.csv")
def download():
    filters = _filters()
    with write_transaction():  # reading the log is itself an event worth keeping
        record("export", current_user, "audit.csv", {key: str(value or "") for key, value in filters.items()})
    events = db.session.execute(_query(filters).execution_options(yield_per=500)).scalars()
    rows = ([event.at.isoformat(), event.actor, event.action, event.target, event.address, event.details]
            for event in events)
    return Response(stream_with_context(csv_stream(chain([COLUMNS], rows))), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="audit.csv"'})
