"""staff months: counted staff results summed by staff member, branch and UTC month, for long leaderboards

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-24 13:30:00

Filled here from the counted staff results; kept since by inspection.visits.rollup as visits are counted,
no longer counted or amended.
"""
import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

SUMS = ("count(*), sum(earned), sum(possible), sum(earned * earned), sum(earned * possible), "
        "sum(possible * possible)")
MONTH = {"postgresql": "CAST(date_trunc('month', finished_at AT TIME ZONE 'UTC') AS date)",
         "sqlite": "date(finished_at, 'start of month')"}


def upgrade():
    op.create_table(
        "staff_months",
        sa.Column("staff_id", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("earned", sa.Double(), nullable=False),
        sa.Column("possible", sa.Double(), nullable=False),
        sa.Column("earned_squares", sa.Double(), nullable=False),
        sa.Column("products", sa.Double(), nullable=False),
        sa.Column("possible_squares", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name=op.f("fk_staff_months_staff_id_staff")),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name=op.f("fk_staff_months_branch_id_branches")),
        sa.PrimaryKeyConstraint("staff_id", "branch_id", "month", name=op.f("pk_staff_months")),
    )
    month = MONTH[op.get_bind().dialect.name]
    op.execute(f"INSERT INTO staff_months (staff_id, branch_id, month, visits, earned, possible, earned_squares, "
               f"products, possible_squares) SELECT staff_id, branch_id, {month}, {SUMS} FROM staff_results "
               f"WHERE counted GROUP BY staff_id, branch_id, {month}")


def downgrade():
    op.drop_table("staff_months")
