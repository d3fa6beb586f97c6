"""Account pages: admins manage users; everyone changes their own password and ends their sessions."""

from __future__ import annotations

from dataclasses import fields

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from sqlalchemy import or_, select

from .. import access
from ..auth.models import ROLES, User
from ..auth.services import UserError
from ..auth.sessions import SESSION_KEY
from ..db import write_transaction
from ..extensions import db
from ..labels import password_problem_texts, role_label
from ..org.models import Branch
from ..problems import BadRequest
from ..web.errors import said
from ..web.requests import flashed_problems
from .forms import PasswordForm, UserForm
from .services import (
    Account,
    change_password,
    create_user,
    new_password_hash,
    reset_password,
    sign_out_everywhere,
    update_user,
)

bp = Blueprint("users", __name__)
PAGE_SIZE = 200


def _require_admin() -> None:
    if not access.can(current_user, "users.manage"):
        abort(403)


def _managed_user(user_id: int) -> User:
    """Return the account an administrator opens, or answer 403 to others and 404 to a missing one."""
    _require_admin()
    return db.get_or_404(User, user_id)


@bp.get("/admin/users")
@login_required
def index():
    _require_admin()
    query = select(User).order_by(User.active.desc(), User.email).limit(PAGE_SIZE)
    text = request.args.get("q", "").strip()
    if text:
        query = query.where(or_(User.email.contains(text.lower()), User.name.contains(text)))
    return render_template("users/index.html", users=db.session.scalars(query).all(), q=text)


def _form(user: User | None = None) -> UserForm:
    form = UserForm(obj=user) if user is not None and request.method == "GET" else UserForm()
    branches = db.session.scalars(select(Branch).where(Branch.active).order_by(Branch.code)).all()
    form.role.choices = [(role, role_label(role)) for role in ROLES]
    form.regions.choices = [(region, region) for region in sorted({branch.region for branch in branches})]
    form.branches.choices = [(branch.code, f"{branch.code} {branch.name}") for branch in branches]
    if user is not None and request.method == "GET":
        form.regions.data, form.branches.data = user.regions, [branch.code for branch in user.branches]
    return form


def _account(form: UserForm) -> Account:
    return Account(form.name.data, form.role.data, form.branches.data or [], form.regions.data or [],
                   bool(form.active.data), bool(form.manages_checklists.data))


@bp.route("/admin/users/new", methods=["GET", "POST"])
@login_required
def new():
    _require_admin()
    form = _form()
    if form.validate_on_submit():
        try:
            with write_transaction():
                user, password = create_user(current_user, form.email.data, _account(form))
        except UserError as error:
            form.email.errors.append(said(error))
        else:  # shown on this page once, never put in the session cookie
            return render_template("users/password.html", user=user, password=password)
    return render_template("users/edit.html", form=form, user=None)


@bp.route("/admin/users/<id:user_id>", methods=["GET", "POST"])
@login_required
def edit(user_id: int):
    user = _managed_user(user_id)
    form = _form(user)
    form.email.data = user.email  # the address is the sign-in name: fixed once created
    if form.validate_on_submit():
        was_active = user.active
        with flashed_problems():
            try:
                with write_transaction():
                    update_user(current_user, user, _account(form))
            except UserError as error:
                form.branches.errors.append(said(error))
            else:
                flash(_state_changed(user) if user.active != was_active else _("Saved."), "info")
                return redirect(url_for("users.index"))
    return render_template("users/edit.html", form=form, user=user)


@bp.post("/admin/users/<id:user_id>/active")
@login_required
def set_active(user_id: int):
    """Disable an account (its sessions and tokens stop at once) or enable it again, from the list."""
    user = _managed_user(user_id)
    with flashed_problems():
        try:
            with write_transaction():
                update_user(current_user, user, _as_it_is(user, active=request.form.get("active") == "1"))
        except UserError as error:  # a scope that no longer holds (a branch code gone): said, nothing changed
            flash(said(error), "error")
        else:
            flash(_state_changed(user), "info")
    return redirect(url_for("users.index", q=request.args.get("q") or None))


def _as_it_is(user: User, **changes) -> Account:
    """Return the account as it stands (every setting the edit form holds), with these changes."""
    account = Account(user.name, user.role, [branch.code for branch in user.branches], user.regions)
    for name in {setting.name for setting in fields(Account)} - {"name", "role", "branch_codes", "regions"}:
        if hasattr(user, name):
            setattr(account, name, getattr(user, name))
    for name, value in changes.items():
        setattr(account, name, value)
    return account


def _state_changed(user: User) -> str:
    if user.active:
        return _("%(email)s is active again and can sign in.", email=user.email)
    return _("%(email)s is disabled: they can no longer sign in, and their sessions and API tokens stopped.",
             email=user.email)


@bp.post("/admin/users/<id:user_id>/password")
@login_required
def reset(user_id: int):
    user = _managed_user(user_id)
    with write_transaction():
        password = reset_password(current_user, user)
    return render_template("users/password.html", user=user, password=password)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            password_hash = new_password_hash(current_user, form.current.data, form.new.data)
            with write_transaction():
                change_password(current_user, password_hash, session.get(SESSION_KEY))
        except UserError as error:
            form.new.errors.extend(password_problem_texts(error.codes) or [said(error)])
        except BadRequest:
            form.current.errors.append(_("The current password is wrong."))
        else:
            flash(_("Your password is changed; every other session has ended."), "info")
            return redirect(url_for("users.account"))
    return render_template("users/account.html", form=form)


@bp.post("/account/sessions/end")
@login_required
def end_all_sessions():
    with write_transaction():
        sign_out_everywhere(current_user)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
