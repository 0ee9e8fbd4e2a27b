"""Re-execution and run retries: parent and root run ids, the steps a re-execution runs, one retry per
failed run, and the daemon's cursors.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

RETRIES_ONLY = "parent_run_id IS NOT NULL AND run_key <> ''"


def upgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("parent_run_id", sa.String, nullable=True))
        batch.add_column(sa.Column("root_run_id", sa.String, nullable=True))
        batch.add_column(sa.Column("step_selection", sa.Text, nullable=True))
        batch.add_column(sa.Column("output_runs", sa.Text, nullable=True))
    op.create_index("ix_runs_root_run_id", "runs", ["root_run_id"])
    # A retry's run key is "retry": one retry per failed run, whichever host or pass gets there first.
    op.create_index(
        "uq_runs_retry_identity",
        "runs",
        ["parent_run_id", "run_key"],
        unique=True,
        sqlite_where=sa.text(RETRIES_ONLY),
        postgresql_where=sa.text(RETRIES_ONLY),
    )
    op.create_table(
        "daemon_cursors",
        sa.Column("name", sa.String, primary_key=True),
        sa.Column("cursor", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Double, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("daemon_cursors")
    op.drop_index("uq_runs_retry_identity", "runs")
    op.drop_index("ix_runs_root_run_id", "runs")
    with op.batch_alter_table("runs") as batch:
        for column in ("output_runs", "step_selection", "root_run_id", "parent_run_id"):
            batch.drop_column(column)
