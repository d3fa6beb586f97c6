"""staff result flags: branch, released flag and attributed sections on staff_results

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 02:05:00

"""
import json

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("staff_results", schema=None) as batch_op:
        batch_op.add_column(sa.Column("branch_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("counted", sa.Boolean(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("sections", sa.JSON(), nullable=True))
    connection = op.get_bind()
    connection.execute(sa.text(
        "UPDATE staff_results SET branch_id = (SELECT branch_id FROM visits WHERE visits.id = staff_results.visit_id),"
        " counted = (SELECT status = 'released' FROM visits WHERE visits.id = staff_results.visit_id)"))
    _backfill_sections(connection)
    with op.batch_alter_table("staff_results", schema=None) as batch_op:
        batch_op.alter_column("branch_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("sections", existing_type=sa.JSON(), nullable=False)
        batch_op.create_index("ix_staff_results_leaderboard",
                              ["counted", "staff_id", "finished_at", "branch_id", "earned", "possible"], unique=False)
        batch_op.create_foreign_key(batch_op.f("fk_staff_results_branch_id_branches"), "branches",
                                    ["branch_id"], ["id"])


def _backfill_sections(connection):
    """Find, from the frozen checklists and the answers, the sections each staff result covers."""
    staff_items = {}
    for version, content in connection.execute(sa.text("SELECT version, content FROM checklist_versions")):
        staff_items[version] = [(section["id"], item["id"]) for section in json.loads(content)["sections"]
                                for item in section["items"] if item["type"] == "staff"]
    rows = connection.execute(sa.text(
        "SELECT staff_results.id, staff_results.visit_id, staff.code, visits.checklist_version FROM staff_results"
        " JOIN staff ON staff.id = staff_results.staff_id JOIN visits ON visits.id = staff_results.visit_id")).all()
    for result_id, visit_id, code, version in rows:
        answers = dict(connection.execute(
            sa.text("SELECT item_id, CAST(value AS TEXT) FROM answers WHERE visit_id = :visit"),
            {"visit": visit_id}).all())
        sections = [section for section, item in staff_items.get(version, [])
                    if _decoded(answers.get(item)) == code]
        connection.execute(sa.text("UPDATE staff_results SET sections = :sections WHERE id = :id"),
                           {"sections": json.dumps(sections), "id": result_id})


def _decoded(value):
    return None if value is None else json.loads(value)


def downgrade():
    with op.batch_alter_table("staff_results", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_staff_results_branch_id_branches"), type_="foreignkey")
        batch_op.drop_index("ix_staff_results_leaderboard")
        batch_op.drop_column("sections")
        batch_op.drop_column("counted")
        batch_op.drop_column("branch_id")
