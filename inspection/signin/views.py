"""Sign in and out, a limited number of failed tries at a time; each browser's session lives on the server."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..audit.services import record
from ..auth.models import User
from ..auth.services import authenticate
from ..auth.sessions import SESSION_KEY, end_session, session_user, start_session
from ..db import write_transaction
from ..extensions import limiter, login_manager
from .forms import LoginForm

bp = Blueprint("auth", __name__)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """Load the signed-in user of a session that has not been ended."""
    return session_user(user_id, session.get(SESSION_KEY))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=lambda: "account:" + _email(),
               methods=["POST"], deduct_when=lambda response: response.status_code != 302)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"],
               deduct_when=lambda response: response.status_code != 302)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        # Checked before the write transaction: argon2 takes a core for a while, and SQLite's write lock
        # must not wait on it.
        user = authenticate(form.email.data, form.password.data)
        with write_transaction():
            if user is None:
                record("sign_in_failed", actor_label=_email())
            else:
                token = start_session(user)
                record("sign_in", user)
        if user is not None:
            session[SESSION_KEY] = token  # a fresh server-side session: nothing of an older one carries over
            login_user(user)
            return redirect(_safe_next(request.args.get("next")))
        flash(_("Wrong email or password."), "error")
    return render_template("auth/login.html", form=form), 200 if request.method == "GET" else 400


def _email() -> str:
    """Return the e-mail a sign-in names, as the per-account limit and the audit log know it."""
    return (request.form.get("email") or "").strip().lower()[:254]


@bp.post("/language")
@login_required
def set_language():
    """Remember the user's interface language."""
    locale = request.form.get("locale")
    if locale in current_app.config["LANGUAGES"]:
        with write_transaction():
            current_user.locale = locale
    return redirect(_safe_next(request.referrer and urlsplit(request.referrer).path))


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    with write_transaction():
        end_session(session.get(SESSION_KEY))
        record("sign_out", current_user)
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str:
    """Follow `next` only within this site, so a link cannot send users elsewhere."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("main.index")
