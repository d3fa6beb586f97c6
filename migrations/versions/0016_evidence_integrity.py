"""evidence integrity: photos' perceptual hash, branches' coordinates, visits' trust score and signals

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-26 09:00:00

"""
import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.add_column(sa.Column("phash", sa.String(16), nullable=True))
        batch_op.create_index("ix_photos_sha256", ["sha256"])
    with op.batch_alter_table("branches", schema=None) as batch_op:
        batch_op.add_column(sa.Column("latitude", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("longitude", sa.Double(), nullable=True))
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trust", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("integrity", sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_column("integrity")
        batch_op.drop_column("trust")
    with op.batch_alter_table("branches", schema=None) as batch_op:
        batch_op.drop_column("longitude")
        batch_op.drop_column("latitude")
    with op.batch_alter_table("photos", schema=None) as batch_op:
        batch_op.drop_index("ix_photos_sha256")
        batch_op.drop_column("phash")
