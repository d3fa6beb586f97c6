"""`flask integrity recompute`: perceptual hashes for photos stored before them, then every visit assessed again."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..db import write_transaction
from ..extensions import media_store
from .services import assess_ids, fill_phash, unhashed_names, visit_ids

integrity_cli = AppGroup("integrity", help="Evidence integrity: signals and trust scores of visits.")


@integrity_cli.command("recompute")
@click.option("--batch", default=200, show_default=True, help="Photos or visits per transaction.")
def recompute_command(batch: int) -> None:
    """Hash the photos stored without a perceptual hash, then assess every visit again (after an upgrade)."""
    filled, unreadable, last_name, store = 0, [], "", media_store()
    while names := unhashed_names(last_name, batch):
        with write_transaction():
            for name in names:
                if fill_phash(store, name):
                    filled += 1
                else:
                    unreadable.append(name)
        last_name = names[-1]
    for name in unreadable:
        click.echo(f"no readable file for photo {name}: left without a perceptual hash", err=True)
    assessed, last_id = 0, 0
    while ids := visit_ids(last_id, batch):
        with write_transaction():
            assess_ids(ids)
        assessed, last_id = assessed + len(ids), ids[-1]
    click.echo(f"hashed {filled} photos ({len(unreadable)} unreadable), assessed {assessed} visits")
