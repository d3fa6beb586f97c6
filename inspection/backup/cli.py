"""`flask backup DIR` and `flask restore DIR/<time>`."""

from __future__ import annotations

from pathlib import Path

import click

from .services import BackupError, create_backup, restore_backup


@click.command("backup")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def backup_command(directory: Path) -> None:
    """Write DIRECTORY/<UTC time>/: the database, the media files and a manifest of their hashes."""
    try:
        folder = create_backup(directory)
    except (BackupError, OSError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"backup written to {folder}")


@click.command("restore")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace the rows of a database that is not empty.")
def restore_command(directory: Path, force: bool) -> None:
    """Restore a backup folder written by `flask backup`, after checking every file against the manifest."""
    try:
        restored = restore_backup(directory, force)
    except (BackupError, OSError) as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"restored {restored.rows} rows and {restored.files} media files from {directory}")
    if restored.upgraded_from:
        click.echo(f"the schema was upgraded from the backup's revision {restored.upgraded_from}")
