"""dashboard indexes: the pages managers live on read indexes, not a million visits (bench/dashboard.py)

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-27 09:00:00

Reports over a period read released visits and counted staff results from indexes that carry the period first
(everyone's) or the branch first (a manager's scope), with the figures they add up; lists sorted by time read
visits in time order; the home page finds recent releases by their step, a staff page their customers' answers.
"""
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

# (name, table, columns): added; the two replaced below keep their names with more columns.
ADDED = (
    ("ix_visits_branch_status", "visits",
     ["branch_id", "status", "finished_at", "score", "critical_failures", "submitter_id"]),
    ("ix_visits_finished", "visits", ["finished_at", "id"]),
    ("ix_staff_results_branch", "staff_results",
     ["branch_id", "counted", "finished_at", "staff_id", "earned", "possible"]),
    ("ix_visit_events_action_at", "visit_events", ["action", "at", "visit_id"]),
    ("ix_survey_responses_staff_submitted", "survey_responses", ["staff_id", "submitted_at"]),
    ("ix_corrective_actions_status_due", "corrective_actions", ["status", "due_date"]),
)
# (name, table, columns before, columns after)
REPLACED = (
    ("ix_visits_status_finished", "visits", ["status", "finished_at"],
     ["status", "finished_at", "branch_id", "score", "critical_failures"]),
    ("ix_staff_results_leaderboard", "staff_results",
     ["counted", "staff_id", "finished_at", "branch_id", "earned", "possible"],
     ["counted", "finished_at", "staff_id", "branch_id", "earned", "possible"]),
)


def upgrade():
    for name, table, _, columns in REPLACED:
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns)
    for name, table, columns in ADDED:
        op.create_index(name, table, columns)


def downgrade():
    for name, table, _ in reversed(ADDED):
        op.drop_index(name, table_name=table)
    for name, table, columns, _ in reversed(REPLACED):
        op.drop_index(name, table_name=table)
        op.create_index(name, table, columns)
