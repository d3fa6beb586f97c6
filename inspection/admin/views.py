"""Admin pages: branches and staff (list, search, edit, deactivate, CSV import)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import or_, select
from wtforms import FloatField

from .. import access
from ..db import write_transaction
from ..extensions import db
from ..org.models import Branch, Staff
from ..org.services import import_branches, import_staff
from .forms import BranchForm, ImportForm, StaffForm
from .services import DuplicateCode, save_record, set_active

bp = Blueprint("admin", __name__, url_prefix="/admin")
PAGE_SIZE = 100

# What each admin page lists and edits.
RESOURCES = {
    "branches": {"model": Branch, "form": BranchForm, "importer": import_branches,
                 "columns": ("code", "name", "region", "address", "latitude", "longitude")},
    "staff": {"model": Staff, "form": StaffForm, "importer": import_staff,
              "columns": ("code", "name", "branch_id", "position", "email")},
}


@bp.before_request
@login_required
def require_admin():
    if not access.can(current_user, "admin.manage"):
        abort(403)


def _resource(kind: str) -> dict:
    if kind not in RESOURCES:
        abort(404)
    return RESOURCES[kind]


@bp.get("/<kind>")
def index(kind: str):
    resource = _resource(kind)
    model, query_text = resource["model"], request.args.get("q", "").strip()
    query = select(model).order_by(model.active.desc(), model.code)
    if query_text:
        pattern = f"%{query_text}%"
        query = query.where(or_(model.code.ilike(pattern), model.name.ilike(pattern)))
    records = db.session.scalars(query.limit(PAGE_SIZE)).all()
    return render_template("admin/index.html", kind=kind, records=records, q=query_text,
                           import_form=ImportForm(), columns=resource["columns"])


def _form(kind: str, record=None):
    form = _resource(kind)["form"](obj=record)
    if kind == "staff":
        branches = db.session.scalars(select(Branch).where(Branch.active).order_by(Branch.code)).all()
        form.branch_id.choices = [(b.id, f"{b.code} {b.name}") for b in branches]
    return form


@bp.route("/<kind>/new", methods=["GET", "POST"])
@bp.route("/<kind>/<id:record_id>", methods=["GET", "POST"])
def edit(kind: str, record_id: int | None = None):
    model = _resource(kind)["model"]
    record = db.session.get(model, record_id) if record_id else None
    if record_id and record is None:
        abort(404)
    form = _form(kind, record)
    if form.validate_on_submit():
        values = {name: _value(field) for name, field in form._fields.items() if name != "csrf_token"}
        try:
            with write_transaction():
                save_record(model, record, values)
        except DuplicateCode as error:
            form.code.errors.append(_("The code %(code)s is already used.", code=str(error)))
        else:
            flash(_("Saved."), "info")
            return redirect(url_for("admin.index", kind=kind))
    return render_template("admin/edit.html", kind=kind, form=form, record=record)


def _value(field):
    """Return what a field stores: numbers as they are (None when empty), texts as text."""
    return field.data if isinstance(field, FloatField) else field.data or ""


@bp.post("/<kind>/<id:record_id>/active")
def toggle_active(kind: str, record_id: int):
    record = db.session.get(_resource(kind)["model"], record_id) or abort(404)
    active = request.form.get("active") == "1"
    with write_transaction():
        set_active(record, active)
    names = {"code": record.code, "name": record.name}
    if kind == "branches":
        flash(_("Branch %(code)s %(name)s is active again.", **names) if active else
              _("Branch %(code)s %(name)s is deactivated: it is no longer offered for visits.", **names), "info")
    else:
        flash(_("Staff member %(code)s %(name)s is active again.", **names) if active else
              _("Staff member %(code)s %(name)s is deactivated: no longer offered on forms.", **names), "info")
    return redirect(url_for("admin.index", kind=kind, q=request.args.get("q", "")))


@bp.post("/<kind>/import")
def import_csv(kind: str):
    form = ImportForm()
    if not form.validate_on_submit():
        for error in form.file.errors:
            flash(error, "error")
        return redirect(url_for("admin.index", kind=kind))
    with write_transaction():
        report = _resource(kind)["importer"](form.file.data.read())
    if report.ok:
        flash(_("Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.",
                created=len(report.created), updated=len(report.updated), unchanged=len(report.unchanged)), "info")
        return redirect(url_for("admin.index", kind=kind))
    # Shown on this page rather than flashed: a long list would not fit in the session cookie.
    return render_template("admin/import_refused.html", kind=kind, rejected=report.rejected), 422
