"""appeals: the branch side contests items of a released visit; an upheld item amends the visit as a new version

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-25 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

ACTIONS = ("submit", "start", "release", "return", "resubmit")


def _actions(actions: tuple[str, ...]) -> None:
    with op.batch_alter_table("visit_events", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_visit_events_visit_action"), type_="check")
        batch_op.create_check_constraint(op.f("ck_visit_events_visit_action"),
                                         f"action IN ({', '.join(map(repr, actions))})")


def upgrade():
    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("visit_id", sa.Integer(), sa.ForeignKey("visits.id", ondelete="CASCADE"), nullable=False,
                  unique=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("branch_id", sa.Integer(), sa.ForeignKey("branches.id"), nullable=False),
        sa.Column("filed_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("photo", sa.String(100), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("decided_version", sa.Integer(), nullable=True),
        sa.CheckConstraint("status IN ('open', 'upheld', 'partly_upheld', 'rejected')", name=op.f("ck_appeals_status")),
    )
    op.create_index("ix_appeals_status_filed", "appeals", ["status", "filed_at"])
    op.create_table(
        "appeal_items",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("appeal_id", sa.Integer(), sa.ForeignKey("appeals.id", ondelete="CASCADE"), nullable=False),
        sa.Column("item_id", sa.String(100), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("corrected", sa.JSON(), nullable=True),
        sa.CheckConstraint("outcome IN ('upheld', 'rejected')", name=op.f("ck_appeal_items_outcome")),
        sa.UniqueConstraint("appeal_id", "item_id"),
    )
    _actions((*ACTIONS, "amend"))


def downgrade():
    # The amendments stay as versions of their visits; only the step's name goes, recorded as a resubmission.
    op.execute("UPDATE visit_events SET action = 'resubmit' WHERE action = 'amend'")
    _actions(ACTIONS)
    op.drop_table("appeal_items")
    op.drop_table("appeals")
