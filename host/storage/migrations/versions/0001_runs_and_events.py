"""Runs and their events: the first schema.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    _create_runs()
    _create_events()


def _create_runs() -> None:
    op.create_table(
        "runs",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String, nullable=False),
        sa.Column("location", sa.String, nullable=False),
        sa.Column("job_name", sa.String, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("asset_selection", sa.Text, nullable=False),
        sa.Column("run_config_json", sa.Text, nullable=False),
        sa.Column("tags", sa.Text, nullable=False),
        sa.Column("snapshot_id", sa.String, nullable=False),
        sa.Column("partition_key", sa.String, nullable=True),
        sa.Column("schedule_name", sa.String, nullable=True),
        sa.Column("sensor_name", sa.String, nullable=True),
        sa.Column("backfill_id", sa.String, nullable=True),
        sa.Column("run_key", sa.String, nullable=False),
        sa.Column("logical_time", sa.Double, nullable=True),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("started_at", sa.Double, nullable=True),
        sa.Column("ended_at", sa.Double, nullable=True),
        sa.Column("failure_reason", sa.Text, nullable=True),
        sa.UniqueConstraint("run_id", name="uq_runs_run_id"),
    )
    op.create_index("ix_runs_created_at", "runs", ["created_at", "id"])
    op.create_index("ix_runs_status_created_at", "runs", ["status", "created_at", "id"])
    op.create_index("ix_runs_location_job_created_at", "runs", ["location", "job_name", "created_at", "id"])
    _create_identity_index(
        "uq_runs_schedule_identity",
        ["location", "schedule_name", "logical_time", "run_key"],
        "schedule_name IS NOT NULL",
    )
    _create_identity_index(
        "uq_runs_sensor_identity", ["location", "sensor_name", "run_key"], "sensor_name IS NOT NULL AND run_key <> ''"
    )
    _create_identity_index(
        "uq_runs_backfill_identity", ["backfill_id", "run_key"], "backfill_id IS NOT NULL AND run_key <> ''"
    )


def _create_events() -> None:
    op.create_table(
        "events",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.String, sa.ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.Column("event_type", sa.String, nullable=False),
        sa.Column("timestamp", sa.Double, nullable=False),
        sa.Column("step_key", sa.String, nullable=False),
        sa.Column("asset_key", sa.String, nullable=True),
        sa.Column("partition_key", sa.String, nullable=True),
        sa.Column("body", sa.LargeBinary, nullable=False),
        sa.UniqueConstraint("run_id", "sequence", name="uq_events_run_id_sequence"),
    )


def _create_identity_index(name: str, columns: list[str], where: str) -> None:
    """A partial unique index: rule 6's run identities apply only to runs that have one."""
    op.create_index(name, "runs", columns, unique=True, sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def downgrade() -> None:
    op.drop_table("events")
    op.drop_table("runs")
