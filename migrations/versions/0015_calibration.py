"""calibration exercises: one target scored apart by several evaluators, their scores kept apart from visits

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-25 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

STATUSES = ("open", "closed")


def upgrade():
    op.create_table(
        "calibration_exercises",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("visit_id", sa.Integer(), nullable=True),
        sa.Column("checklist_id", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("checklist_version", sa.String(length=64), nullable=False),
        sa.Column("branch_id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.Enum(*STATUSES, name="status", native_enum=False, create_constraint=True, length=20),
                  nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], name=op.f("fk_calibration_exercises_visit_id_visits"),
                                ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["checklist_version"], ["checklist_versions.version"],
                                name=op.f("fk_calibration_exercises_checklist_version_checklist_versions")),
        sa.ForeignKeyConstraint(["branch_id"], ["branches.id"], name=op.f("fk_calibration_exercises_branch_id_branches")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_calibration_exercises_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibration_exercises")),
    )
    op.create_index("ix_calibration_exercises_branch_status", "calibration_exercises", ["branch_id", "status"])
    op.create_table(
        "calibration_participants",
        sa.Column("exercise_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["exercise_id"], ["calibration_exercises.id"],
                                name=op.f("fk_calibration_participants_exercise_id_calibration_exercises"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_calibration_participants_user_id_users")),
        sa.PrimaryKeyConstraint("exercise_id", "user_id", name=op.f("pk_calibration_participants")),
    )
    op.create_index(op.f("ix_calibration_participants_user_id"), "calibration_participants", ["user_id"])
    op.create_table(
        "calibration_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("exercise_id", sa.Integer(), nullable=False),
        sa.Column("evaluator_id", sa.Integer(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["exercise_id"], ["calibration_exercises.id"],
                                name=op.f("fk_calibration_scores_exercise_id_calibration_exercises"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["evaluator_id"], ["users.id"], name=op.f("fk_calibration_scores_evaluator_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calibration_scores")),
        sa.UniqueConstraint("exercise_id", "evaluator_id", name=op.f("uq_calibration_scores_exercise_id")),
    )


def downgrade():
    op.drop_table("calibration_scores")
    op.drop_index(op.f("ix_calibration_participants_user_id"), table_name="calibration_participants")
    op.drop_table("calibration_participants")
    op.drop_index("ix_calibration_exercises_branch_status", table_name="calibration_exercises")
    op.drop_table("calibration_exercises")
