"""`flask demo`: load the demo organisation once (in production only when asked, with generated passwords)."""

import click
from flask import current_app

from ..catalog.services import get_catalog
from ..extensions import media_store
from ..photos.storage import write_with_files
from ..users.services import generate_password
from .services import DEMO_PASSWORD, DEMO_USERS, demo_loaded, load_demo


@click.command("demo")
@click.option("--months", default=4, show_default=True, help="How many months of visits to create.")
@click.option("--allow-production", is_flag=True,
              help="Load it into a production installation too; the users then get generated passwords.")
def demo_command(months: int, allow_production: bool) -> None:
    """Load a demo organisation with users, branches, staff and visits (once)."""
    production = current_app.config["ENV_NAME"] == "production"
    if production and not allow_production:
        raise click.ClickException("this is a production installation (INSPECTION_ENV_NAME=production): the demo "
                                   "would add users with a published password; pass --allow-production to load "
                                   "it with generated passwords")
    # A published password must never guard a production installation.
    passwords = {email: generate_password() if production else DEMO_PASSWORD for email, *_ in DEMO_USERS}
    catalog = get_catalog()  # loaded (and frozen) before the write transaction below begins
    if catalog.problems:
        raise click.ClickException("fix the checklists first:\n" + "\n".join(catalog.problems))
    with write_with_files(media_store()) as files:
        if demo_loaded():
            click.echo("demo data already loaded; nothing added")
            if production:
                return  # their generated passwords were shown once, when they were made
        else:
            count = load_demo(catalog.checklists, files, months=months, passwords=passwords)
            click.echo(f"demo data loaded: {len(DEMO_USERS)} users, {count} visits")
    click.echo("demo logins:")
    for email, _name, role, *_ in DEMO_USERS:
        click.echo(f"  {role:<10} {email}  {passwords[email]}")
