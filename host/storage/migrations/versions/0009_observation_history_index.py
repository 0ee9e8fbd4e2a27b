"""An index for an asset's observations, newest first: its history lists them with its materializations.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

OBSERVATIONS_ONLY = "event_type = 'ASSET_OBSERVATION'"


def upgrade() -> None:
    # Partial, as ix_events_materializations: only observations pay for it.
    op.create_index(
        "ix_events_observations",
        "events",
        ["asset_key", "id"],
        sqlite_where=sa.text(OBSERVATIONS_ONLY),
        postgresql_where=sa.text(OBSERVATIONS_ONLY),
    )


def downgrade() -> None:
    op.drop_index("ix_events_observations", "events")
