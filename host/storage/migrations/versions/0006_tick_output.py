"""Ticks keep what their evaluation wrote to stdout and stderr.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticks") as batch:
        batch.add_column(sa.Column("output", sa.Text, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticks") as batch:
        batch.drop_column("output")
