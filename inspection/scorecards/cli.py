"""`flask scorecard visit|staff|branch ... -o FILE.pdf`."""

from __future__ import annotations

import uuid

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..extensions import db
from ..org.models import Branch, Staff
from ..visits.models import Visit
from .services import branch_pdf, staff_pdf, visit_pdf

scorecard_cli = AppGroup("scorecard", help="Print scorecards as PDF.")
OUTPUT = click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True))
FROM = click.option("--from", "start", required=True, type=click.DateTime(["%Y-%m-%d"]))
TO = click.option("--to", "end", required=True, type=click.DateTime(["%Y-%m-%d"]))


def _write(path: str, pdf: bytes) -> None:
    with open(path, "wb") as handle:
        handle.write(pdf)
    click.echo(f"wrote {path} ({len(pdf) / 1024:.0f} KB)")


def _one(model, column, value, label: str):
    record = db.session.scalar(select(model).where(column == value))
    if record is None:
        raise click.ClickException(f"no {label} {value}")
    return record


@scorecard_cli.command("visit")
@click.argument("visit_id")
@OUTPUT
def visit_command(visit_id: str, output: str) -> None:
    """Print one visit's scorecard."""
    try:
        key = uuid.UUID(visit_id)
    except ValueError:
        raise click.ClickException(f"{visit_id} is not a visit id (a UUID)") from None
    _write(output, visit_pdf(_one(Visit, Visit.uuid, key, "visit")))


@scorecard_cli.command("staff")
@click.argument("code")
@FROM
@TO
@OUTPUT
def staff_command(code: str, start, end, output: str) -> None:
    """Print a staff member's scorecard for a period."""
    staff = _one(Staff, Staff.code, code, "staff member")
    _write(output, staff_pdf(staff, start.date(), end.date()))


@scorecard_cli.command("branch")
@click.argument("code")
@FROM
@TO
@OUTPUT
def branch_command(code: str, start, end, output: str) -> None:
    """Print a branch's scorecard for a period."""
    branch = _one(Branch, Branch.code, code, "branch")
    _write(output, branch_pdf(branch, start.date(), end.date()))
