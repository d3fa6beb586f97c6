"""`flask performance rebuild-months`: the monthly sums leaderboards read, summed again from every staff result."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..db import write_transaction
from ..visits import rollup

performance_cli = AppGroup("performance", help="Performance reports: the sums they read.")


@performance_cli.command("rebuild-months")
def rebuild_months_command() -> None:
    """Sum every staff member's counted results by month again (after writing staff results around the app)."""
    with write_transaction():
        months = rollup.rebuild()
    click.echo(f"{months} staff months summed again")
