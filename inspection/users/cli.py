"""`flask user add|list|set|disable|enable|reset-password`: accounts from the server's command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..auth.models import ROLES, User
from ..auth.services import UserError
from ..db import write_transaction
from ..extensions import db
from ..problems import Problem
from .services import Account, create_user, reset_password, update_user

user_cli = AppGroup("user", help="Manage users.")
BRANCH = click.option("--branch", "branches", multiple=True, help="Branch code in scope (repeatable).")
REGION = click.option("--region", "regions", multiple=True, help="Region in scope (repeatable).")


def _user(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no user with email {email}")
    return user


def _account(user: User) -> Account:
    return Account(user.name, user.role, [b.code for b in user.branches], user.regions, user.active,
                   user.manages_checklists)


@user_cli.command("add")
@click.argument("email")
@click.option("--name", required=True, help="Name shown in the app.")
@click.option("--role", required=True, type=click.Choice(ROLES))
@BRANCH
@REGION
@click.password_option(help="Password; prompted (hidden) when omitted.")
def add_command(email, name, role, branches, regions, password) -> None:
    """Add a user with a role and a scope of branches or regions."""
    try:
        with write_transaction():
            user, _ = create_user(None, email, Account(name, role, list(branches), list(regions)), password)
    except (UserError, Problem) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"added {user.email} ({user.role})")


@user_cli.command("list")
def list_command() -> None:
    """List every user with role, scope and state."""
    for user in db.session.scalars(select(User).order_by(User.email)):
        scope = ", ".join([*user.regions, *(branch.code for branch in user.branches)]) or "-"
        click.echo(f"{user.email}\t{user.role}\t{'active' if user.active else 'disabled'}\t{scope}\t{user.name}")


@user_cli.command("set")
@click.argument("email")
@click.option("--name", help="Name shown in the app.")
@click.option("--role", type=click.Choice(ROLES))
@BRANCH
@REGION
@click.option("--manages-checklists/--no-manages-checklists", default=None,
              help="A manager may add, change and retire checklists.")
def set_command(email, name, role, branches, regions, manages_checklists) -> None:
    """Change a user's name, role, scope or checklist permission (given branches or regions replace the old ones)."""
    _update(email, name=name, role=role, branch_codes=list(branches) or None, regions=list(regions) or None,
            manages_checklists=manages_checklists)


@user_cli.command("disable")
@click.argument("email")
def disable_command(email) -> None:
    """Disable a user: they can no longer sign in, and their sessions and tokens stop working."""
    _update(email, active=False)


@user_cli.command("enable")
@click.argument("email")
def enable_command(email) -> None:
    """Enable a disabled user again."""
    _update(email, active=True)


def _update(email: str, **changes) -> None:
    try:
        with write_transaction():
            user = _user(email)
            account = _account(user)
            for key, value in changes.items():
                if value is not None:
                    setattr(account, key, value)
            update_user(None, user, account)
    except (UserError, Problem) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"updated {email}")


@user_cli.command("reset-password")
@click.argument("email")
def reset_password_command(email) -> None:
    """Give a user a new random password; it is printed once, on the last line."""
    with write_transaction():
        password = reset_password(None, _user(email))
    click.echo(f"new password for {email}; pass it on now, it is not shown again:")
    click.echo(password)
