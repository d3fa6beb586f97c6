"""assignments and the plans that generate them; staff e-mail, to know where a shopper is known

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 10:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ASSIGNMENT_STATUSES = ("assigned", "declined", "done", "cancelled")


def upgrade():
    _plans_table()
    _assignments_table()
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email", sa.String(length=254), nullable=True))
        batch_op.create_index(batch_op.f("ix_staff_email"), ["email"], unique=False)


def _plans_table():
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("rule", sa.JSON(), nullable=False),
        sa.Column("assignments_count", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_plans_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plans")),
    )


def _assignments_table():
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("checklist_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=False),
        sa.Column("scenario", sa.String(length=200), nullable=False),
        sa.Column("brief", sa.Text(), nullable=False),
        sa.Column("status", sa.Enum(*ASSIGNMENT_STATUSES, name="status", native_enum=False, create_constraint=True,
                                    length=20), nullable=False),
        sa.Column("decline_reason", sa.Text(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name=op.f("fk_assignments_assignee_id_users")),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name=op.f("fk_assignments_branch_id_branches")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_assignments_created_by_id_users")),
        sa.ForeignKeyConstraint(["plan_id"], ["plans.id"], name=op.f("fk_assignments_plan_id_plans")),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], name=op.f("fk_assignments_visit_id_visits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assignments")),
        sa.UniqueConstraint("visit_id", name=op.f("uq_assignments_visit_id")),
    )
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.create_index("ix_assignments_assignee_status_window", ["assignee_id", "status", "window_start"],
                              unique=False)
        batch_op.create_index("ix_assignments_branch_window", ["branch_id", "window_start"], unique=False)
        batch_op.create_index("ix_assignments_status_window_end", ["status", "window_end"], unique=False)


def downgrade():
    with op.batch_alter_table("staff", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_email"))
        batch_op.drop_column("email")
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.drop_index("ix_assignments_status_window_end")
        batch_op.drop_index("ix_assignments_branch_window")
        batch_op.drop_index("ix_assignments_assignee_status_window")
    op.drop_table("assignments")
    op.drop_table("plans")
