"""Server-side sessions: signing out, a new password or a disabled account ends a copied cookie too."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select

from ..db import utcnow
from ..extensions import db
from .models import User, UserSession

# Where the browser's session cookie keeps the token of its server-side session.
SESSION_KEY = "session_token"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(user: User) -> str:
    """Open a session for the user; return the token its cookie carries. Flush only."""
    token = secrets.token_urlsafe(32)
    db.session.add(UserSession(user_id=user.id, token_sha256=_digest(token)))
    db.session.flush()
    return token


def session_user(user_id: str, token: str | None) -> User | None:
    """Return the active user of a live session with this token, or None."""
    if not token or not user_id.isdigit():
        return None
    oldest = utcnow() - timedelta(days=current_app.config["SESSION_DAYS"])
    return db.session.scalar(
        select(User).join(UserSession, UserSession.user_id == User.id)
        .where(UserSession.token_sha256 == _digest(token), User.id == int(user_id), User.active,
               UserSession.created_at > oldest))


def end_session(token: str | None) -> None:
    """End one session (signing out). Flush only."""
    if token:
        db.session.execute(delete(UserSession).where(UserSession.token_sha256 == _digest(token)))


def end_sessions(user: User, keep: str | None = None) -> int:
    """End every session of the user but the one kept; return how many ended. Flush only."""
    query = delete(UserSession).where(UserSession.user_id == user.id)
    if keep:
        query = query.where(UserSession.token_sha256 != _digest(keep))
    return db.session.execute(query).rowcount
