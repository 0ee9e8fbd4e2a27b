"""A step's attempts kept at ingest: the start and end marks of each attempt (run_step_attempts), filled
here for the runs already stored.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

MARKS = {
    "STEP_START": "START",
    "STEP_RESTARTED": "START",
    "STEP_UP_FOR_RETRY": "UP_FOR_RETRY",
    "STEP_SUCCESS": "SUCCESS",
    "STEP_FAILURE": "FAILURE",
    "STEP_SKIPPED": "SKIPPED",
}


def upgrade() -> None:
    op.create_table(
        "run_step_attempts",
        sa.Column("run_id", sa.String, sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("step_key", sa.String, primary_key=True),
        sa.Column("sequence", sa.BigInteger, primary_key=True),
        sa.Column("mark", sa.String, nullable=False),
        sa.Column("timestamp", sa.Double, nullable=False),
    )
    kinds = ", ".join(f"'{kind}'" for kind in MARKS)
    mark = " ".join(f"WHEN '{kind}' THEN '{name}'" for kind, name in MARKS.items())
    op.get_bind().execute(
        sa.text(
            "INSERT INTO run_step_attempts (run_id, step_key, sequence, mark, timestamp)"
            f" SELECT run_id, step_key, sequence, CASE event_type {mark} END, timestamp"
            f" FROM events WHERE event_type IN ({kinds}) AND step_key <> ''"
        )
    )


def downgrade() -> None:
    op.drop_table("run_step_attempts")
