"""`flask user add`."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..db import write_transaction
from .models import ROLES
from .services import UserError, add_user

user_cli = AppGroup("user", help="Manage users.")


@user_cli.command("add")
@click.argument("email")
@click.option("--name", required=True, help="Name shown in the app.")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--branch", "branches", multiple=True, help="Branch code in scope (repeatable).")
@click.option("--region", "regions", multiple=True, help="Region in scope (repeatable).")
@click.password_option(help="Password; prompted (hidden) when omitted.")
def add_command(email, name, role, branches, regions, password) -> None:
    """Add a user with a role and a scope of branches or regions."""
    try:
        with write_transaction():
            user = add_user(email, name, role, password, tuple(branches), tuple(regions))
    except UserError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"added {user.email} ({user.role})")
