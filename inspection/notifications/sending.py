"""Notification e-mails sent by a worker soon after a commit that queued some, when jobs run on a queue (RQ).

`flask notifications send` stays the safety net (cron): both claim each mail before sending it, so none goes
out twice. Without a queue the cron alone sends, so that no web process holds SMTP conversations.
"""

from __future__ import annotations

from flask import current_app

from ..db import utcnow
from ..jobs.models import Job, JobKind
from ..jobs.queue import first_in_transaction, uses_rq
from ..jobs.registry import task
from ..jobs.services import submit
from .mail import send_pending


def send_soon() -> None:
    """Have a worker send the due mails once this transaction commits (one job per transaction). Flush only."""
    if uses_rq(current_app) and first_in_transaction(JobKind.MAIL):
        submit(None, JobKind.MAIL, {}, key=None)


@task(JobKind.MAIL)
def send_mails(job: Job) -> None:
    """Send the mails due now, each claimed first (another sender never sends it again)."""
    send_pending(utcnow())
