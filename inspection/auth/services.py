"""Create users and check passwords (argon2)."""

from __future__ import annotations

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from sqlalchemy import func, select

from ..extensions import db
from ..org.models import Branch
from .models import ROLES, User, UserRegion


class UserError(ValueError):
    """A user that cannot be created as asked."""


def _hasher() -> PasswordHasher:
    """Return the argon2 hasher; tests choose a cheap profile to stay fast."""
    profile = getattr(profiles, current_app.config["PASSWORD_HASH_PROFILE"])
    return PasswordHasher.from_parameters(profile)


def hash_password(password: str) -> str:
    """Return an argon2 hash of the password."""
    return _hasher().hash(password)


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with this email and password, or None."""
    hasher = _hasher()
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.active:
        # Hash anyway so that response time does not tell which emails exist.
        hasher.hash(password)
        return None
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def add_user(email: str, name: str, role: str, password: str,
             branch_codes: tuple[str, ...] = (), regions: tuple[str, ...] = ()) -> User:
    """Create a user with a role and a scope of branches and regions; flush only."""
    email = email.strip().lower()
    if role not in ROLES:
        raise UserError(f"unknown role '{role}': use one of {', '.join(ROLES)}")
    if "@" not in email:
        raise UserError(f"'{email}' is not an email address")
    if len(password) < 8:
        raise UserError("the password needs at least 8 characters")
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise UserError(f"a user with email {email} already exists")
    branches = list(db.session.scalars(select(Branch).where(Branch.code.in_(branch_codes))))
    missing = sorted(set(branch_codes) - {branch.code for branch in branches})
    if missing:
        raise UserError(f"unknown branch code(s): {', '.join(missing)}")
    user = User(email=email, name=name, role=role, password_hash=hash_password(password),
                branches=branches, region_rows=[UserRegion(region=r) for r in sorted(set(regions))])
    db.session.add(user)
    db.session.flush()
    return user
