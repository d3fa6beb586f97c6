"""users.manages_checklists: a manager given it edits, publishes and retires checklists in the browser

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-25 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("manages_checklists", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("manages_checklists")
