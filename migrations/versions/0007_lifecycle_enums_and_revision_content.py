"""lifecycle enums with check constraints, content-addressed photos, times and photos on revisions

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 20:10:00

"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

VISIT_STATUSES = ("submitted", "in_review", "returned", "released")
CHECKS = {
    "users": [("role", "role", ("admin", "manager", "inspector", "shopper"))],
    "visits": [("status", "status", VISIT_STATUSES)],
    "visit_events": [("visit_action", "action", ("submit", "start", "release", "return", "resubmit")),
                     ("from_status", "from_status", VISIT_STATUSES),
                     ("to_status", "to_status", VISIT_STATUSES)],
    "corrective_actions": [("status", "status", ("open", "in_progress", "done", "verified"))],
}


def _condition(column: str, values: tuple) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


def upgrade():
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, column, values in checks:
                batch_op.create_check_constraint(op.f(f"ck_{table}_{name}"), _condition(column, values))
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.drop_constraint("uq_photos_stored_name", type_="unique")
        batch_op.create_index(batch_op.f("ix_photos_stored_name"), ["stored_name"], unique=False)
        batch_op.add_column(sa.Column("replaced_in", sa.Integer(), nullable=True))
    with op.batch_alter_table("visit_revisions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("started_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("photos", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("content_sha256", sa.String(length=64), nullable=True))
    _backfill_revisions(op.get_bind())
    with op.batch_alter_table("visit_revisions", schema=None) as batch_op:
        batch_op.alter_column("started_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column("finished_at", existing_type=sa.DateTime(timezone=True), nullable=False)
        batch_op.alter_column("photos", existing_type=sa.JSON(), nullable=False)


def _backfill_revisions(connection):
    """Before this version a correction could change neither times nor photos: every revision had the visit's."""
    connection.execute(sa.text(
        "UPDATE visit_revisions SET"
        " started_at = (SELECT started_at FROM visits WHERE visits.id = visit_revisions.visit_id),"
        " finished_at = (SELECT finished_at FROM visits WHERE visits.id = visit_revisions.visit_id)"))
    connection.execute(sa.text(
        "UPDATE visit_revisions SET content_sha256 = (SELECT content_sha256 FROM visits"
        " WHERE visits.id = visit_revisions.visit_id) WHERE version = 1"))
    photos: dict[int, list] = {}
    for visit_id, item, name, sha256 in connection.execute(sa.text(
            "SELECT visit_id, item_id, stored_name, sha256 FROM photos ORDER BY id")):
        photos.setdefault(visit_id, []).append({"item": item, "name": name, "sha256": sha256})
    for (visit_id,) in connection.execute(sa.text("SELECT DISTINCT visit_id FROM visit_revisions")).all():
        connection.execute(sa.text("UPDATE visit_revisions SET photos = :photos WHERE visit_id = :visit"),
                           {"photos": json.dumps(photos.get(visit_id, [])), "visit": visit_id})


def downgrade():
    with op.batch_alter_table("visit_revisions", schema=None) as batch_op:
        for column in ("content_sha256", "photos", "finished_at", "started_at"):
            batch_op.drop_column(column)
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.drop_column("replaced_in")
        batch_op.drop_index(batch_op.f("ix_photos_stored_name"))
        batch_op.create_unique_constraint("uq_photos_stored_name", ["stored_name"])
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name, _column, _values in checks:
                batch_op.drop_constraint(op.f(f"ck_{table}_{name}"), type_="check")
