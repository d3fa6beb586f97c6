"""notifications: shown in the app, and e-mailed once when mail is on

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 10:30:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

MAIL_STATES = ("none", "pending", "sending", "sent", "failed")


def upgrade():
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("key", sa.String(length=200), nullable=True),
        sa.Column("mail_state", sa.Enum(*MAIL_STATES, name="mail_state", native_enum=False, create_constraint=True,
                                        length=20), nullable=False),
        sa.Column("mail_attempts", sa.Integer(), nullable=False),
        sa.Column("mail_next_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mail_error", sa.Text(), nullable=False),
        sa.Column("mail_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("user_id", "key", name=op.f("uq_notifications_user_id")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index("ix_notifications_user_read", ["user_id", "read_at"], unique=False)
        batch_op.create_index("ix_notifications_mail_due", ["mail_state", "mail_next_at"], unique=False)


def downgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_mail_due")
        batch_op.drop_index("ix_notifications_user_read")
    op.drop_table("notifications")
