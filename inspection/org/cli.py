"""`flask import branches FILE.csv` and `flask import staff FILE.csv`."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from ..db import write_transaction
from .services import ImportReport, import_branches, import_staff

import_cli = AppGroup("import", help="Import branches and staff from CSV files.")


@import_cli.command("branches")
@click.argument("file", type=click.File("rb"))
def branches_command(file) -> None:
    """Upsert branches by code from a CSV with columns code,name,region,address."""
    _run(import_branches, file)


@import_cli.command("staff")
@click.argument("file", type=click.File("rb"))
def staff_command(file) -> None:
    """Upsert staff by code from a CSV with columns code,name,branch,position."""
    _run(import_staff, file)


def _run(importer, file) -> None:
    with write_transaction():
        report = importer(file.read())
    _print(report, file.name)
    if not report.ok:
        sys.exit(1)


def _print(report: ImportReport, name: str) -> None:
    for line, message in report.rejected:
        click.echo(f"{name}:{line}: rejected: {message}", err=True)
    if report.ok:
        click.echo(f"created {len(report.created)}, updated {len(report.updated)}, "
                   f"unchanged {len(report.unchanged)}")
        for label, codes in (("created", report.created), ("updated", report.updated)):
            if codes:
                click.echo(f"{label}: {', '.join(codes)}")
    else:
        click.echo(f"nothing imported: {len(report.rejected)} row(s) rejected", err=True)
