"""users.role gains "branch": the branch side's manager, who reads its released visits and appeals them

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-24 09:00:00

"""
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BEFORE = ("admin", "manager", "inspector", "shopper")
AFTER = (*BEFORE, "branch")


def _check(roles: tuple[str, ...]) -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_users_role"), type_="check")
        batch_op.create_check_constraint(op.f("ck_users_role"), f"role IN ({', '.join(map(repr, roles))})")


def upgrade():
    _check(AFTER)


def downgrade():
    op.execute("DELETE FROM users WHERE role = 'branch'")
    _check(BEFORE)
