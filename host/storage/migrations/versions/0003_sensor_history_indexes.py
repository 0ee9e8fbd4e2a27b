"""Indexes for what sensors read from history: new materializations of an asset, runs that finished.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

MATERIALIZATIONS_ONLY = "event_type = 'ASSET_MATERIALIZATION'"


def upgrade() -> None:
    # Partial: only materializations pay for this index, not every log line.
    op.create_index(
        "ix_events_materializations",
        "events",
        ["asset_key", "id"],
        sqlite_where=sa.text(MATERIALIZATIONS_ONLY),
        postgresql_where=sa.text(MATERIALIZATIONS_ONLY),
    )
    op.create_index("ix_runs_ended_at", "runs", ["ended_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_runs_ended_at", "runs")
    op.drop_index("ix_events_materializations", "events")
