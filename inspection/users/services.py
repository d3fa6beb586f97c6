"""Manage accounts: create, change role, scope and name, disable, reset and change passwords, end sessions.

The acting user is an admin, or None for a command run on the server; every change is audited.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field

from sqlalchemy import select

from .. import access
from ..audit.services import record
from ..auth.models import ROLES, User, UserRegion
from ..auth.services import UserError, add_user, authenticate, check_password, hash_password
from ..auth.sessions import end_sessions
from ..extensions import db
from ..org.models import Branch
from ..problems import BadRequest


@dataclass
class Account:
    """What an admin sets on an account."""

    name: str
    role: str
    branch_codes: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    active: bool = True
    manages_checklists: bool = False  # kept only for a manager: administrators always may, others never


@dataclass(frozen=True)
class AccountChange:
    """An account and the role and state an admin wants it to have: what the policy judges."""

    user: User
    role: str
    active: bool


def _require_admin(actor: User | None) -> None:
    if actor is not None:
        access.require(actor, "users.manage")


def generate_password() -> str:
    """Return a random password that meets the password rules, to be shown once."""
    return secrets.token_urlsafe(12)


def create_user(actor: User | None, email: str, account: Account, password: str | None = None) -> tuple[User, str]:
    """Create an account; return it and its password (generated when none is given). Flush only."""
    _require_admin(actor)
    password = password or generate_password()
    user = add_user(email, account.name, account.role, password, tuple(account.branch_codes), tuple(account.regions))
    if not account.active:
        user.active = False
    user.manages_checklists = _checklist_permission(account)
    record("user_create", actor, user.email, _summary(user))
    return user, password


def update_user(actor: User | None, user: User, account: Account) -> None:
    """Change an account's name, role, scope or state; a change of rights ends its sessions. Flush only."""
    if account.role not in ROLES:
        raise UserError("unknown role '%(role)s': use one of %(roles)s", role=account.role, roles=", ".join(ROLES))
    if actor is not None:
        access.require(actor, "users.edit", AccountChange(user, account.role, account.active))
    before = _summary(user)
    user.name, user.role, user.active = account.name.strip() or user.name, account.role, account.active
    user.manages_checklists = _checklist_permission(account)
    user.branches = _branches(account.branch_codes)
    user.region_rows = [UserRegion(region=region) for region in sorted(set(filter(None, account.regions)))]
    db.session.flush()
    after = _summary(user)
    if {key: before[key] for key in ("role", "branches", "regions", "active")} != \
            {key: after[key] for key in ("role", "branches", "regions", "active")}:
        end_sessions(user)  # rights changed: what a signed-in browser may see changes with them
    changes = {key: [before[key], after[key]] for key in after if before[key] != after[key]}
    if changes:
        record("user_update", actor, user.email, changes)


def _checklist_permission(account: Account) -> bool:
    """Return whether the account manages checklists; refuse the permission for a role it means nothing to."""
    if account.manages_checklists and not access.holds_checklist_permission(account.role):
        raise UserError("only a manager is given the permission to manage checklists")
    return account.manages_checklists


def _branches(codes: list[str]) -> list[Branch]:
    codes = sorted(set(filter(None, codes)))
    branches = list(db.session.scalars(select(Branch).where(Branch.code.in_(codes))))
    missing = sorted(set(codes) - {branch.code for branch in branches})
    if missing:
        raise UserError("unknown branch code(s): %(branches)s", branches=", ".join(missing))
    return branches


def _summary(user: User) -> dict:
    return {"name": user.name, "role": str(user.role), "active": user.active, "regions": user.regions,
            "branches": [branch.code for branch in user.branches], "manages_checklists": user.manages_checklists}


def reset_password(actor: User | None, user: User) -> str:
    """Give the user a new random password, shown once, and end their sessions. Flush only."""
    _require_admin(actor)
    password = generate_password()
    user.password_hash = hash_password(password)
    end_sessions(user)
    record("password_reset", actor, user.email)
    return password


def new_password_hash(user: User, current: str, new: str) -> str:
    """Check one's current password and a new one, and return the new one's hash; writes nothing."""
    # Apart from the change itself, so that the slow hashing runs before any write lock is taken.
    if authenticate(user.email, current) is None:
        raise BadRequest("the current password is wrong")
    check_password(new, user.email, user.name)
    return hash_password(new)


def change_password(user: User, password_hash: str, keep_session: str | None) -> None:
    """Set one's own new password (hashed by new_password_hash); every other session ends. Flush only."""
    user.password_hash = password_hash
    end_sessions(user, keep=keep_session)
    record("password_change", user, user.email)


def sign_out_everywhere(user: User) -> int:
    """End every session of the user, this one included; return how many ended. Flush only."""
    ended = end_sessions(user)
    record("sign_out_everywhere", user, user.email, {"sessions": ended})
    return ended
