"""`flask media check [--repair]`: drift between the photo files the database names and those stored."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from sqlalchemy import select

from ..actions.models import CorrectiveAction
from ..appeals.models import Appeal
from ..extensions import db, media_store
from ..photos.reconcile import check, referenced_with_thumbnails
from ..visits.models import Photo, VisitRevision

media_cli = AppGroup("media", help="Check the photo files against the database.")


def referenced_names() -> set[str]:
    """Return every stored file a row names: visit photos of any version, action and appeal evidence, thumbnails."""
    names = set(db.session.scalars(select(Photo.stored_name)))
    names.update(photo["name"] for photos in db.session.scalars(select(VisitRevision.photos)) for photo in photos)
    names.update(db.session.scalars(select(CorrectiveAction.closing_photo).where(
        CorrectiveAction.closing_photo.is_not(None))))
    names.update(db.session.scalars(select(Appeal.photo).where(Appeal.photo.is_not(None))))
    return referenced_with_thumbnails(names)


@media_cli.command("check")
@click.option("--repair", is_flag=True, help="Restore what can be restored and remove unused files.")
@click.option("--grace-minutes", default=60, show_default=True,
              help="Leave unused files younger than this: a transaction may be about to name them.")
def check_command(repair: bool, grace_minutes: int) -> None:
    """Report photo rows without files and files without rows; exit 1 while drift remains."""
    referenced = referenced_names()
    db.session.rollback()  # hold no transaction while walking the store
    report = check(media_store(), referenced, grace_minutes * 60, repair)
    for label, names in (("missing", report.missing), ("recovered", report.recovered),
                         ("unreferenced", report.orphans), ("stale partial", report.stale_partials)):
        for name in names:
            click.echo(f"{label}: {name}")
    click.echo(f"{len(referenced)} files named, {len(report.missing)} missing, {len(report.recovered)} recovered, "
               f"{len(report.orphans)} unreferenced ({len(report.removed)} removed), "
               f"{report.recent_unreferenced} recent left alone, {len(report.stale_partials)} stale partial")
    remaining = report.missing or (not repair and not report.clean)
    sys.exit(1 if remaining else 0)
