"""Create users and check passwords (argon2), a bounded number of hashes at a time."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..org.models import Branch
from ..problems import TooManyRequests
from .models import ROLES, User, UserRegion
from .passwords import password_problems

_slots_lock = threading.Lock()
PASSWORD_PROBLEMS = {
    "too_short": "the password needs at least 10 characters",
    "personal": "the password must not contain the e-mail address or the name",
    "guessable": "the password is too easy to guess",
}


class UserError(ValueError):
    """A user that cannot be created or changed as asked; `codes` name password problems.

    Like a Problem, `message` is an English template and a catalogue key, filled by `params`.
    """

    def __init__(self, message: str, codes: list[str] | None = None, **params):
        self.template, self.params = message, params
        super().__init__(message % params if params else message)
        self.codes = codes or []


def _hasher() -> PasswordHasher:
    """Return the argon2 hasher; tests choose a cheap profile to stay fast."""
    profile = getattr(profiles, current_app.config["PASSWORD_HASH_PROFILE"])
    return PasswordHasher.from_parameters(profile)


@contextmanager
def _hashing_slot():
    """Hold one of the process's few hashing slots: each argon2 hash takes 64 MiB and a core."""
    with _slots_lock:
        slots = current_app.extensions.setdefault(
            "password_hash_slots", threading.BoundedSemaphore(current_app.config["PASSWORD_HASH_SLOTS"]))
    if not slots.acquire(timeout=current_app.config["PASSWORD_HASH_WAIT"]):
        raise TooManyRequests("too many sign-ins at once; try again in a few seconds", retry_after=5)
    try:
        yield
    finally:
        slots.release()


def hash_password(password: str) -> str:
    """Return an argon2 hash of the password."""
    with _hashing_slot():
        return _hasher().hash(password)


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with this email and password, or None."""
    hasher = _hasher()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    with _hashing_slot():
        if user is None or not user.active:
            hasher.hash(password)  # hash anyway, so that response time does not tell which emails exist
            return None
        try:
            hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def check_password(password: str, email: str, name: str) -> None:
    """Raise UserError naming what is wrong with a new password."""
    problems = password_problems(password, email, name)
    if problems:
        raise UserError("the new password is refused: %(reasons)s", problems,
                        reasons="; ".join(PASSWORD_PROBLEMS[code] for code in problems))


def add_user(email: str, name: str, role: str, password: str,
             branch_codes: tuple[str, ...] = (), regions: tuple[str, ...] = ()) -> User:
    """Create a user with a role and a scope of branches and regions; flush only."""
    email = email.strip().lower()
    if role not in ROLES:
        raise UserError("unknown role '%(role)s': use one of %(roles)s", role=role, roles=", ".join(ROLES))
    if "@" not in email:
        raise UserError("'%(email)s' is not an email address", email=email)
    check_password(password, email, name)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise UserError("a user with email %(email)s already exists", email=email)
    branches = list(db.session.scalars(select(Branch).where(Branch.code.in_(branch_codes))))
    missing = sorted(set(branch_codes) - {branch.code for branch in branches})
    if missing:
        raise UserError("unknown branch code(s): %(branches)s", branches=", ".join(missing))
    user = User(email=email, name=name, role=role, password_hash=hash_password(password),
                branches=branches, region_rows=[UserRegion(region=r) for r in sorted(set(regions))])
    db.session.add(user)
    db.session.flush()
    return user
