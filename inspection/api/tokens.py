"""Create, check and revoke API tokens."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..audit.services import record
from ..auth.models import User
from ..db import utcnow
from ..extensions import db
from .models import ApiToken

TOKEN_PREFIX = "insp_"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(user: User, name: str = "") -> tuple[ApiToken, str]:
    """Create a token for the user; return the row and the secret, shown only now. Flush only."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user=user, token_sha256=_digest(secret), prefix=secret[:12], name=name)
    db.session.add(row)
    db.session.flush()
    record("token_create", None, user.email, {"prefix": row.prefix, "name": name})
    return row, secret


def user_for_token(secret: str) -> User | None:
    """Return the active user of a valid, unrevoked token."""
    # With its user in the same query: every API request needs both.
    row = db.session.scalar(select(ApiToken).options(joinedload(ApiToken.user))
                            .where(ApiToken.token_sha256 == _digest(secret)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    return row.user


def revoke_tokens(user: User, prefix: str | None = None) -> int:
    """Revoke the user's tokens (all, or those starting with prefix); return how many. Flush only."""
    query = select(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
    if prefix:
        query = query.where(ApiToken.prefix.startswith(prefix[:12]))
    rows = list(db.session.scalars(query))
    for row in rows:
        row.revoked_at = utcnow()
    db.session.flush()
    if rows:
        record("token_revoke", None, user.email, {"prefixes": [row.prefix for row in rows]})
    return len(rows)
