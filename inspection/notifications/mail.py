"""Notification e-mail over SMTP, at most once: each due mail is claimed, committed, then sent and recorded."""

from __future__ import annotations

import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlsplit

from flask import current_app
from flask_babel import force_locale
from sqlalchemy import func, select, update

from ..auth.models import User
from ..db import utcnow, write_transaction
from ..extensions import db
from .models import MailState, Notification
from .texts import mail_texts, reader_locale

# A mail claimed this long ago and still not recorded was being sent by a run that died: it is not sent again.
ABANDONED_AFTER = timedelta(hours=1)
MAX_ERROR_CHARS = 1000


def compose(notification: Notification, user: User) -> EmailMessage:
    """Return a notification's e-mail, written in the user's language."""
    config = current_app.config
    base = config["BASE_URL"].rstrip("/")
    # The link passes through the notification's own page, which marks it read on the way to its target.
    url = f"{base}/notifications/{notification.id}"
    with force_locale(reader_locale(user)):
        subject, body = mail_texts(notification.kind, notification.params, url)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = config["SMTP_FROM"]
    message["To"] = user.email
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = f"<notification-{notification.id}@{urlsplit(base).hostname or 'localhost'}>"
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to a robot
    message.set_content(body)
    return message


def due_ids(now: datetime, limit: int) -> list[int]:
    """Return the ids of the mails due now, the longest waiting first."""
    query = (select(Notification.id)
             .where(Notification.mail_state == MailState.PENDING, Notification.mail_next_at <= now)
             .order_by(Notification.mail_next_at, Notification.id).limit(limit))
    return list(db.session.scalars(query))


def claim(notification_id: int, now: datetime) -> EmailMessage | None:
    """Take a due mail for this run (pending to sending) and return it; None if it is not to be sent. Flush only."""
    notification = db.session.get(Notification, notification_id)
    if notification is None:
        return None
    user = notification.user
    target = MailState.SENDING if user.active and user.email else MailState.NONE  # disabled since: no mail
    claimed = db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.mail_state == MailState.PENDING,
               Notification.mail_next_at <= now)  # still due: another run may have tried it meanwhile
        .values(mail_state=target, mail_next_at=now if target == MailState.SENDING else None)
        .execution_options(synchronize_session=False))
    db.session.flush()
    if claimed.rowcount != 1 or target == MailState.NONE:
        return None  # another run took it first, or it is not to be sent
    return compose(notification, user)


def record_sent(notification_id: int, now: datetime) -> None:
    """Record that the server took the mail. Flush only."""
    db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.mail_state == MailState.SENDING)
        .values(mail_state=MailState.SENT, mail_sent_at=now, mail_error="")
        .execution_options(synchronize_session=False))
    db.session.flush()


def record_failure(notification_id: int, now: datetime, error: str) -> MailState:
    """Count a failed attempt: pending again after a pause that grows, or failed after the last. Flush only."""
    config = current_app.config
    attempts = db.session.scalar(select(Notification.mail_attempts).where(Notification.id == notification_id)) + 1
    state = MailState.FAILED if attempts >= config["MAIL_MAX_ATTEMPTS"] else MailState.PENDING
    next_at = now + timedelta(minutes=config["MAIL_RETRY_MINUTES"] * attempts) if state == MailState.PENDING else None
    db.session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.mail_state == MailState.SENDING)
        .values(mail_state=state, mail_attempts=attempts, mail_next_at=next_at, mail_error=error)
        .execution_options(synchronize_session=False))
    db.session.flush()
    return state


def abandoned_count(now: datetime) -> int:
    """Return how many mails were claimed over an hour ago and never recorded: a run died sending them."""
    query = (select(func.count()).select_from(Notification)
             .where(Notification.mail_state == MailState.SENDING, Notification.mail_next_at < now - ABANDONED_AFTER))
    return db.session.scalar(query)


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:MAX_ERROR_CHARS]


class Postman:
    """One SMTP connection for a run, opened when first needed and dropped after any error."""

    def __init__(self, config):
        self.config = config
        self.smtp: smtplib.SMTP | None = None
        self.unreachable = False  # the server could not be reached or refused the sign-in: stop the run

    def __enter__(self) -> Postman:
        return self

    def __exit__(self, *_exc) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        config, context = self.config, ssl.create_default_context()
        host, port, timeout = config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_TIMEOUT"]
        if config["SMTP_SSL"]:
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        try:
            if config["SMTP_STARTTLS"] and not config["SMTP_SSL"]:
                smtp.starttls(context=context)
            if config["SMTP_USER"]:
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
        except BaseException:
            smtp.close()
            raise
        return smtp

    def deliver(self, message: EmailMessage) -> str:
        """Send one message; return "" when the server took it, else what went wrong."""
        if self.smtp is None:
            try:
                self.smtp = self._connect()
            except (smtplib.SMTPException, OSError) as error:
                self.unreachable = True
                return _describe(error)
        try:
            self.smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            self.close()  # the connection may be in any state now: the next mail opens a new one
            return _describe(error)
        return ""

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None


def send_pending(now: datetime, limit: int = 100) -> dict:
    """Send the due mails, each claimed and then recorded in a transaction of its own; return the counts."""
    counts = {"sent": 0, "retried": 0, "failed": 0}
    if not current_app.config["SMTP_HOST"]:
        return counts
    with Postman(current_app.config) as postman:
        for notification_id in due_ids(now, limit):
            with write_transaction():  # committed before the server hears of it: no other run takes it
                message = claim(notification_id, now)
            if message is None:
                continue
            error = postman.deliver(message)
            with write_transaction():
                if not error:
                    record_sent(notification_id, now)
                    counts["sent"] += 1
                elif record_failure(notification_id, now, error) == MailState.FAILED:
                    counts["failed"] += 1
                else:
                    counts["retried"] += 1
            if postman.unreachable:
                break  # the rest wait for the next run rather than each for a timeout
    return counts
