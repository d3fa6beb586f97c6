"""`flask demo`: load the demo organisation once."""

import click
from flask import current_app

from ..catalog.services import get_catalog
from ..photos.storage import write_with_files
from .services import DEMO_PASSWORD, DEMO_USERS, demo_loaded, load_demo


@click.command("demo")
@click.option("--months", default=4, show_default=True, help="How many months of visits to create.")
def demo_command(months: int) -> None:
    """Load a demo organisation with users, branches, staff and visits (once)."""
    catalog = get_catalog()  # loaded (and frozen) before the write transaction below begins
    if catalog.problems:
        raise click.ClickException("fix the checklists first:\n" + "\n".join(catalog.problems))
    with write_with_files(current_app.config["MEDIA_DIR"]) as files:
        if demo_loaded():
            click.echo("demo data already loaded; nothing added")
        else:
            count = load_demo(catalog.checklists, files, months=months)
            click.echo(f"demo data loaded: {len(DEMO_USERS)} users, {count} visits")
    click.echo(f"demo logins (password {DEMO_PASSWORD}):")
    for email, _name, role, _ in DEMO_USERS:
        click.echo(f"  {role:<10} {email}")
