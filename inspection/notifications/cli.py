"""`flask notifications send|digest`: the e-mail sender and the daily digest, meant for cron."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..db import utcnow, write_transaction
from .mail import abandoned_count, send_pending
from .services import queue_digests

notifications_cli = AppGroup("notifications", help="Send notification e-mails and queue the daily digest.")


@notifications_cli.command("send")
@click.option("--limit", default=100, show_default=True, help="Most e-mails sent in this run.")
def send_command(limit: int) -> None:
    """Send the notification e-mails that are due (run it every minute)."""
    now = utcnow()
    counts = send_pending(now, limit)
    click.echo("sent {sent}, retried later {retried}, failed {failed}".format(**counts))
    abandoned = abandoned_count(now)
    if abandoned:
        click.echo(f"warning: {abandoned} e-mails were claimed over an hour ago by a run that did not finish; "
                   "they are not sent again (mail_state 'sending'): check whether they arrived", err=True)


@notifications_cli.command("digest")
def digest_command() -> None:
    """Queue today's digest for every user with unread notifications (run it once a day)."""
    with write_transaction():
        queued = queue_digests(utcnow())
    click.echo(f"queued {queued} digests")
