"""Declarative automation: each tick's per-asset evaluations and the runs it requests.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "automation_evaluations",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("tick_id", sa.BigInteger, nullable=False),
        sa.Column("location", sa.String, nullable=False),
        sa.Column("sensor_name", sa.String, nullable=False),
        sa.Column("asset_key", sa.String, nullable=False),
        sa.Column("timestamp", sa.Double, nullable=False),
        sa.Column("value_hash", sa.String, nullable=False),
        sa.Column("num_requested", sa.Integer, nullable=False),
        sa.Column("result", sa.Text, nullable=False),
        sa.Column("memory", sa.Text, nullable=False),
        sa.UniqueConstraint("tick_id", "asset_key", name="uq_automation_evaluations_tick_asset"),
    )
    op.create_index(
        "ix_automation_evaluations_asset",
        "automation_evaluations",
        ["location", "sensor_name", "asset_key", "tick_id"],
    )
    op.create_table(
        "automation_run_requests",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("tick_id", sa.BigInteger, nullable=False),
        sa.Column("location", sa.String, nullable=False),
        sa.Column("run_key", sa.String, nullable=False),
        sa.Column("asset_keys", sa.Text, nullable=False),
        sa.Column("partition_key", sa.String, nullable=True),
        sa.Column("run_id", sa.String, nullable=True),
        sa.UniqueConstraint("tick_id", "run_key", name="uq_automation_run_requests_tick_key"),
    )


def downgrade() -> None:
    op.drop_table("automation_run_requests")
    op.drop_index("ix_automation_evaluations_asset", "automation_evaluations")
    op.drop_table("automation_evaluations")
