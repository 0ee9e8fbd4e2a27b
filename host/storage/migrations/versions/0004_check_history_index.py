"""An index for an asset check's history: the evaluations of one asset, newest first.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

CHECK_EVALUATIONS_ONLY = "event_type = 'ASSET_CHECK_EVALUATION'"


def upgrade() -> None:
    # Partial, as ix_events_materializations: only check evaluations pay for it.
    op.create_index(
        "ix_events_check_evaluations",
        "events",
        ["asset_key", "id"],
        sqlite_where=sa.text(CHECK_EVALUATIONS_ONLY),
        postgresql_where=sa.text(CHECK_EVALUATIONS_ONLY),
    )


def downgrade() -> None:
    op.drop_index("ix_events_check_evaluations", "events")
