"""Runs by location, asset and check indexes, run tags, instigator state and ticks, leases, partitions, backfills.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("check_name", sa.String, nullable=True))
        batch.add_column(sa.Column("check_passed", sa.Boolean, nullable=True))
    op.create_index("ix_runs_location_created_at", "runs", ["location", "created_at", "id"])
    _create_run_tags()
    _create_asset_indexes()
    _create_instigators()
    op.create_table(
        "leases",
        sa.Column("name", sa.String, primary_key=True),
        sa.Column("owner", sa.String, nullable=True),
        sa.Column("token", sa.BigInteger, nullable=False),
        sa.Column("expires_at", sa.Double, nullable=False),
    )
    _create_partitions()


def _create_run_tags() -> None:
    """The tag index, filled from the tags the existing runs already carry."""
    run_tags = op.create_table(
        "run_tags",
        sa.Column("run_id", sa.String, sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
        sa.Column("key", sa.String, primary_key=True),
        sa.Column("value", sa.String, nullable=False),
    )
    op.create_index("ix_run_tags_key_value", "run_tags", ["key", "value"])
    rows = op.get_bind().execute(sa.text("SELECT run_id, tags FROM runs")).all()
    tags = [
        {"run_id": run_id, "key": key, "value": value}
        for run_id, tags_json in rows
        for key, value in json.loads(tags_json).items()
    ]
    if tags:
        op.bulk_insert(run_tags, tags)


def _create_asset_indexes() -> None:
    op.create_table(
        "asset_materializations",
        sa.Column("asset_key", sa.String, primary_key=True),
        sa.Column("partition_key", sa.String, primary_key=True),
        sa.Column("run_id", sa.String, nullable=False),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.Column("timestamp", sa.Double, nullable=False),
    )
    op.create_index(
        "ix_asset_materializations_asset_key_timestamp", "asset_materializations", ["asset_key", "timestamp"]
    )
    op.create_table(
        "asset_check_evaluations",
        sa.Column("asset_key", sa.String, primary_key=True),
        sa.Column("check_name", sa.String, primary_key=True),
        sa.Column("passed", sa.Boolean, nullable=False),
        sa.Column("partition_key", sa.String, nullable=True),
        sa.Column("run_id", sa.String, nullable=False),
        sa.Column("sequence", sa.BigInteger, nullable=False),
        sa.Column("timestamp", sa.Double, nullable=False),
    )


def _create_instigators() -> None:
    op.create_table(
        "instigator_state",
        sa.Column("location", sa.String, primary_key=True),
        sa.Column("kind", sa.String, primary_key=True),
        sa.Column("name", sa.String, primary_key=True),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("cursor", sa.Text, nullable=True),
        sa.Column("updated_at", sa.Double, nullable=False),
    )
    op.create_table(
        "ticks",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("location", sa.String, nullable=False),
        sa.Column("kind", sa.String, nullable=False),
        sa.Column("name", sa.String, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("timestamp", sa.Double, nullable=False),
        sa.Column("logical_time", sa.Double, nullable=True),
        sa.Column("reason", sa.Text, nullable=True),
        sa.Column("run_ids", sa.Text, nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("cursor", sa.Text, nullable=True),
        sa.UniqueConstraint("location", "kind", "name", "logical_time", name="uq_ticks_logical_time"),
    )
    op.create_index("ix_ticks_instigator_timestamp", "ticks", ["location", "kind", "name", "timestamp", "id"])


def _create_partitions() -> None:
    op.create_table(
        "dynamic_partitions",
        sa.Column("id", Id, primary_key=True, autoincrement=True),
        sa.Column("partitions_def_name", sa.String, nullable=False),
        sa.Column("partition_key", sa.String, nullable=False),
        sa.UniqueConstraint("partitions_def_name", "partition_key", name="uq_dynamic_partitions_key"),
    )
    op.create_table(
        "backfills",
        sa.Column("backfill_id", sa.String, primary_key=True),
        sa.Column("location", sa.String, nullable=False),
        sa.Column("job_name", sa.String, nullable=True),
        sa.Column("asset_selection", sa.Text, nullable=False),
        sa.Column("partition_keys", sa.Text, nullable=False),
        sa.Column("run_config_json", sa.Text, nullable=False),
        sa.Column("tags", sa.Text, nullable=False),
        sa.Column("status", sa.String, nullable=False),
        sa.Column("created_at", sa.Double, nullable=False),
        sa.Column("submitted", sa.Integer, nullable=False, server_default="0"),
        sa.Column("cursor", sa.Text, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
    )
    op.create_index("ix_backfills_created_at", "backfills", ["created_at"])


def downgrade() -> None:
    for table in ("backfills", "dynamic_partitions", "leases", "ticks", "instigator_state"):
        op.drop_table(table)
    for table in ("asset_check_evaluations", "asset_materializations", "run_tags"):
        op.drop_table(table)
    op.drop_index("ix_runs_location_created_at", "runs")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("check_passed")
        batch.drop_column("check_name")
