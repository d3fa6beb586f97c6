"""customer surveys: public links, anonymous responses, counted refusals; follow-up cases as corrective actions

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-24 03:10:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "survey_links",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token", sa.String(64), nullable=False, unique=True),
        sa.Column("checklist_id", sa.String(100), nullable=False),
        sa.Column("branch_id", sa.Integer(), sa.ForeignKey("branches.id"), nullable=False),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_survey_links_branch_active", "survey_links", ["branch_id", "active"])
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("uuid", sa.Uuid(), nullable=False, unique=True),
        sa.Column("link_id", sa.Integer(), sa.ForeignKey("survey_links.id"), nullable=False),
        sa.Column("branch_id", sa.Integer(), sa.ForeignKey("branches.id"), nullable=False),
        sa.Column("staff_id", sa.Integer(), sa.ForeignKey("staff.id"), nullable=True),
        sa.Column("checklist_id", sa.String(100), nullable=False),
        sa.Column("checklist_version", sa.String(64), sa.ForeignKey("checklist_versions.version"), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("servqual_gap", sa.Double(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("contact", sa.String(200), nullable=True),
        sa.Column("stamp_digest", sa.String(64), nullable=True, unique=True),
    )
    op.create_index("ix_survey_responses_branch_submitted", "survey_responses", ["branch_id", "submitted_at"])
    op.create_table(
        "survey_rejections",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("link_id", sa.Integer(), sa.ForeignKey("survey_links.id", ondelete="CASCADE"), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(30), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.UniqueConstraint("link_id", "day", "reason"),
    )
    with op.batch_alter_table("corrective_actions", schema=None) as batch_op:
        batch_op.alter_column("visit_id", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("item_id", existing_type=sa.String(100), nullable=True)
        batch_op.add_column(sa.Column("response_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint("uq_corrective_actions_response_id", ["response_id"])
        batch_op.create_foreign_key("fk_corrective_actions_response_id_survey_responses", "survey_responses",
                                    ["response_id"], ["id"], ondelete="CASCADE")


def downgrade():
    # Follow-up cases have no visit: they cannot stay once visit_id is required again.
    op.execute("DELETE FROM action_comments WHERE action_id IN "
               "(SELECT id FROM corrective_actions WHERE response_id IS NOT NULL)")
    op.execute("DELETE FROM corrective_actions WHERE response_id IS NOT NULL")
    with op.batch_alter_table("corrective_actions", schema=None) as batch_op:
        batch_op.drop_constraint("fk_corrective_actions_response_id_survey_responses", type_="foreignkey")
        batch_op.drop_constraint("uq_corrective_actions_response_id", type_="unique")
        batch_op.drop_column("response_id")
        batch_op.alter_column("item_id", existing_type=sa.String(100), nullable=False)
        batch_op.alter_column("visit_id", existing_type=sa.Integer(), nullable=False)
    op.drop_table("survey_rejections")
    op.drop_index("ix_survey_responses_branch_submitted", table_name="survey_responses")
    op.drop_table("survey_responses")
    op.drop_index("ix_survey_links_branch_active", table_name="survey_links")
    op.drop_table("survey_links")
