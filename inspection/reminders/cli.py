"""`flask remind`: the daily notices of work falling due, meant for cron (before `notifications digest`)."""

from __future__ import annotations

from datetime import datetime

import click

from .. import localtime
from ..actions.services import remind_overdue
from ..db import write_transaction
from ..plans.services import remind_due


@click.command("remind")
def remind_command() -> None:
    """Tell assignees whose window closes tomorrow, and managers of newly overdue corrective actions."""
    zone = localtime.zone()
    today = datetime.now(zone).date()  # the branches' day, not the server's
    with write_transaction():
        due = remind_due(today, zone)
        overdue = remind_overdue(today)
    click.echo(f"assignments due tomorrow: {due} notices; overdue corrective actions: {overdue} notices")
