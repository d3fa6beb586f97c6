"""Record notifications, read and mark them, and queue the daily digest."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from .. import access, localtime
from ..auth.models import User
from ..db import utcnow
from ..extensions import db
from ..problems import BadRequest, NotFound
from .models import MailState, Notification
from .sending import send_soon

DIGEST = "digest"


def _first_mail_state(user: User) -> MailState:
    """Return PENDING when mail is on and the user can receive it, else NONE."""
    mailable = bool(current_app.config["SMTP_HOST"]) and user.active and bool(user.email)
    return MailState.PENDING if mailable else MailState.NONE


def _check_link(link: str | None) -> None:
    # Opening a notification redirects to its link: only a path of this app, never another site.
    if link is not None and (not link.startswith("/") or link.startswith(("//", "/\\"))):
        raise BadRequest("a notification links to a path of this app, not %(link)r", link=link)


def notify(user: User, kind: str, params: dict, link: str | None = None,
           key: str | None = None) -> Notification | None:
    """Record a notification for the user; None if they already have one with this key. Flush only."""
    _check_link(link)
    state = _first_mail_state(user)
    notification = Notification(user_id=user.id, kind=kind, params=params, link=link, key=key, mail_state=state,
                                mail_next_at=utcnow() if state == MailState.PENDING else None)
    if state == MailState.PENDING:
        send_soon()
    if key is None:
        db.session.add(notification)
        db.session.flush()
        return notification
    try:
        with db.session.begin_nested():
            db.session.add(notification)
            db.session.flush()
    except IntegrityError:  # the same key was recorded before, or by a concurrent producer just now
        recorded = select(Notification.id).where(Notification.user_id == user.id, Notification.key == key)
        if db.session.scalar(recorded) is None:
            raise  # not the key: something else is wrong
        return None
    return notification


def unread_count(user: User) -> int:
    """Return how many notifications the user has not read."""
    query = select(func.count()).select_from(Notification).where(Notification.user_id == user.id,
                                                                 Notification.read_at.is_(None))
    return db.session.scalar(query)


def notifications_page(user: User, page: int, size: int) -> tuple[list[Notification], bool]:
    """Return one page of the user's notifications, newest first, and whether an older page follows."""
    query = (select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc())
             .offset((page - 1) * size).limit(size + 1))
    rows = db.session.scalars(query).all()
    return list(rows[:size]), len(rows) > size


def visible_notification(user: User, notification_id: int) -> Notification:
    """Return the notification if the user may see it; NotFound otherwise."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or not access.can(user, "notification.view", notification):
        raise NotFound("no notification %(id)s", id=notification_id)
    return notification


def mark_read(user: User, notification: Notification) -> None:
    """Mark one notification read, unless it already is. Flush only."""
    access.require(user, "notification.view", notification)
    now = utcnow()
    marked = db.session.execute(
        update(Notification).where(Notification.id == notification.id, Notification.read_at.is_(None))
        .values(read_at=now).execution_options(synchronize_session=False))
    if marked.rowcount == 1:
        set_committed_value(notification, "read_at", now)
    db.session.flush()


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read; return how many. Flush only."""
    marked = db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False))
    db.session.flush()
    return marked.rowcount


def _unread_by_user(since: datetime) -> dict[int, dict[str, int]]:
    """Return, per active user, how many unread notifications of each kind arrived since then (digests aside)."""
    query = (select(Notification.user_id, Notification.kind, func.count())
             .join(User, User.id == Notification.user_id)
             .where(User.active, Notification.read_at.is_(None), Notification.created_at >= since,
                    Notification.kind != DIGEST)
             .group_by(Notification.user_id, Notification.kind))
    unread: dict[int, dict[str, int]] = {}
    for user_id, kind, count in db.session.execute(query):
        unread.setdefault(user_id, {})[kind] = count
    return unread


def queue_digests(now: datetime) -> int:
    """Record today's digest for every active user with unread notifications of the last 24 hours. Flush only."""
    unread = _unread_by_user(now - timedelta(hours=24))
    if not unread:
        return 0
    today = now.astimezone(localtime.zone()).date()
    queued = 0
    for user in db.session.scalars(select(User).where(User.id.in_(list(unread))).order_by(User.id)).all():
        kinds = unread[user.id]
        params = {"count": sum(kinds.values()), "kinds": sorted(kinds)}
        if notify(user, DIGEST, params, key=f"digest:{today.isoformat()}") is not None:
            queued += 1
    return queued
