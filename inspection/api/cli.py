"""`flask token create EMAIL` and `flask token revoke EMAIL`."""

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..auth.models import User
from ..db import write_transaction
from ..extensions import db
from .tokens import create_token, revoke_tokens

token_cli = AppGroup("token", help="Manage API tokens.")


def _user(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.ClickException(f"no user with email {email}")
    return user


@token_cli.command("create")
@click.argument("email")
@click.option("--name", default="", help="What the token is for.")
def create_command(email: str, name: str) -> None:
    """Create an API token; the token is printed once, on the last line."""
    with write_transaction():
        row, secret = create_token(_user(email), name)
    click.echo(f"token {row.prefix}… for {email}; store it now, it is not shown again:")
    click.echo(secret)


@token_cli.command("revoke")
@click.argument("email")
@click.option("--prefix", default=None, help="Revoke only the token starting with this.")
def revoke_command(email: str, prefix: str | None) -> None:
    """Revoke a user's API tokens."""
    with write_transaction():
        count = revoke_tokens(_user(email), prefix)
    click.echo(f"revoked {count} token(s)")
