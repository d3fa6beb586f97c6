"""Notification pages: the list, opening one (it is read then), marking all read, and the top bar's count."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from ..db import write_transaction
from ..web.requests import page_number
from .services import mark_all_read, mark_read, notifications_page, unread_count, visible_notification
from .texts import line

bp = Blueprint("notifications", __name__)
PAGE_SIZE = 50


@bp.get("/notifications")
@login_required
def index():
    page = page_number()
    notifications, has_next = notifications_page(current_user, page, PAGE_SIZE)
    # In the page's language, which is the reader's: they are the one signed in.
    rows = [(notification, line(notification.kind, notification.params)) for notification in notifications]
    return render_template("notifications/index.html", rows=rows, page=page, has_next=has_next)


@bp.get("/notifications/<id:notification_id>")
@login_required
def show(notification_id: int):
    notification = visible_notification(current_user, notification_id)
    target = notification.link or url_for("notifications.index")
    with write_transaction():
        mark_read(current_user, notification)
    return redirect(target)


@bp.post("/notifications/read")
@login_required
def read_all():
    with write_transaction():
        mark_all_read(current_user)
    return redirect(url_for("notifications.index"))


def unread_badge() -> int:
    """Return how many notifications the signed-in user has not read, for the top bar."""
    return unread_count(current_user) if current_user.is_authenticated else 0
