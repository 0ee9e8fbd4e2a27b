"""Table objects for building queries.

The alembic migrations in `migrations/versions/` are the only source of the schema: nothing calls
`metadata.create_all`. These declarations mirror the head revision, and
`tests/host/storage/test_storage_schema.py` proves the two agree (alembic's compare_metadata).
"""

from __future__ import annotations

import sqlalchemy as sa

# SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit identity.
Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Time = sa.Double  # UTC seconds since the epoch

metadata = sa.MetaData()

runs = sa.Table(
    "runs",
    metadata,
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
    # "" means no run key, so that the identities below need no NULL handling.
    sa.Column("run_key", sa.String, nullable=False),
    sa.Column("logical_time", Time, nullable=True),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("started_at", Time, nullable=True),
    sa.Column("ended_at", Time, nullable=True),
    sa.Column("failure_reason", sa.Text, nullable=True),
    sa.Column("parent_run_id", sa.String, nullable=True),  # the run this one re-executes
    sa.Column("root_run_id", sa.String, nullable=True),  # the first run of its re-execution chain
    sa.Column("step_selection", sa.Text, nullable=True),  # JSON list: the steps a re-execution runs
    sa.Column("output_runs", sa.Text, nullable=True),  # JSON map: step -> the run whose outputs it reuses
    sa.UniqueConstraint("run_id", name="uq_runs_run_id"),
    sa.Index("ix_runs_created_at", "created_at", "id"),
    sa.Index("ix_runs_status_created_at", "status", "created_at", "id"),
    sa.Index("ix_runs_location_created_at", "location", "created_at", "id"),
    sa.Index("ix_runs_ended_at", "ended_at", "id"),
    sa.Index("ix_runs_location_job_created_at", "location", "job_name", "created_at", "id"),
    sa.Index(
        "uq_runs_schedule_identity",
        "location",
        "schedule_name",
        "logical_time",
        "run_key",
        unique=True,
        sqlite_where=sa.text("schedule_name IS NOT NULL"),
        postgresql_where=sa.text("schedule_name IS NOT NULL"),
    ),
    sa.Index(
        "uq_runs_sensor_identity",
        "location",
        "sensor_name",
        "run_key",
        unique=True,
        sqlite_where=sa.text("sensor_name IS NOT NULL AND run_key <> ''"),
        postgresql_where=sa.text("sensor_name IS NOT NULL AND run_key <> ''"),
    ),
    sa.Index(
        "uq_runs_backfill_identity",
        "backfill_id",
        "run_key",
        unique=True,
        sqlite_where=sa.text("backfill_id IS NOT NULL AND run_key <> ''"),
        postgresql_where=sa.text("backfill_id IS NOT NULL AND run_key <> ''"),
    ),
    sa.Index("ix_runs_root_run_id", "root_run_id"),
    sa.Index(
        "uq_runs_retry_identity",
        "parent_run_id",
        "run_key",
        unique=True,
        sqlite_where=sa.text("parent_run_id IS NOT NULL AND run_key <> ''"),
        postgresql_where=sa.text("parent_run_id IS NOT NULL AND run_key <> ''"),
    ),
)

run_tags = sa.Table(
    "run_tags",
    metadata,
    sa.Column("run_id", sa.String, sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("key", sa.String, primary_key=True),
    sa.Column("value", sa.String, nullable=False),
    sa.Index("ix_run_tags_key_value", "key", "value"),
)

events = sa.Table(
    "events",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String, sa.ForeignKey("runs.run_id", ondelete="CASCADE"), nullable=False),
    sa.Column("sequence", sa.BigInteger, nullable=False),
    sa.Column("event_type", sa.String, nullable=False),
    sa.Column("timestamp", Time, nullable=False),
    sa.Column("step_key", sa.String, nullable=False),
    sa.Column("asset_key", sa.String, nullable=True),
    sa.Column("partition_key", sa.String, nullable=True),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("check_name", sa.String, nullable=True),
    sa.Column("check_passed", sa.Boolean, nullable=True),
    # DEBUG | INFO | WARNING | ERROR | CRITICAL | EVENT, set at ingest (migration 0008): see run_summary.event_level
    sa.Column("level", sa.String, nullable=False, server_default="EVENT"),
    sa.UniqueConstraint("run_id", "sequence", name="uq_events_run_id_sequence"),
    sa.Index(
        "ix_events_materializations",
        "asset_key",
        "id",
        sqlite_where=sa.text("event_type = 'ASSET_MATERIALIZATION'"),
        postgresql_where=sa.text("event_type = 'ASSET_MATERIALIZATION'"),
    ),
    sa.Index(
        "ix_events_check_evaluations",
        "asset_key",
        "id",
        sqlite_where=sa.text("event_type = 'ASSET_CHECK_EVALUATION'"),
        postgresql_where=sa.text("event_type = 'ASSET_CHECK_EVALUATION'"),
    ),
    sa.Index(  # migration 0009
        "ix_events_observations",
        "asset_key",
        "id",
        sqlite_where=sa.text("event_type = 'ASSET_OBSERVATION'"),
        postgresql_where=sa.text("event_type = 'ASSET_OBSERVATION'"),
    ),
)

# The run summary (migration 0008), kept by events.add_events in the transaction that stores the events
# (host/storage/run_summary.py): what the run page and `weir runs show` read instead of a run's events.
run_event_counts = sa.Table(
    "run_event_counts",
    metadata,
    sa.Column("run_id", sa.String, sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("step_key", sa.String, primary_key=True),  # "" for the run's own events
    sa.Column("event_type", sa.String, primary_key=True),
    sa.Column("level", sa.String, primary_key=True),
    sa.Column("event_count", sa.BigInteger, nullable=False),
    sa.Column("first_sequence", sa.BigInteger, nullable=False),
    sa.Column("last_sequence", sa.BigInteger, nullable=False),
)

run_steps = sa.Table(
    "run_steps",
    metadata,
    sa.Column("run_id", sa.String, sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("step_key", sa.String, primary_key=True),
    sa.Column("started_at", Time, nullable=True),  # the first STEP_START's time
    sa.Column("last_start_sequence", sa.BigInteger, nullable=False),  # -1: none
    sa.Column("last_end_sequence", sa.BigInteger, nullable=False),  # the latest STEP_SUCCESS/FAILURE/SKIPPED
    sa.Column("ended_at", Time, nullable=True),  # that end's time
    sa.Column("end_status", sa.String, nullable=True),  # SUCCESS | FAILURE | SKIPPED
    sa.Column("last_retry_sequence", sa.BigInteger, nullable=False),
    sa.Column("stdout_bytes", sa.BigInteger, nullable=False),  # captured output (COMPUTE_LOG text)
    sa.Column("stderr_bytes", sa.BigInteger, nullable=False),
    sa.Column("dropped_bytes", sa.BigInteger, nullable=False),  # output past the cap, not stored
)

# A step's attempt marks (migration 0010): each start (STEP_START, STEP_RESTARTED) and end (STEP_UP_FOR_RETRY,
# STEP_SUCCESS, STEP_FAILURE, STEP_SKIPPED), whatever order batches arrive in: run_summary.step_attempts
# reads them into attempts.
run_step_attempts = sa.Table(
    "run_step_attempts",
    metadata,
    sa.Column("run_id", sa.String, sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("step_key", sa.String, primary_key=True),
    sa.Column("sequence", sa.BigInteger, primary_key=True),
    sa.Column("mark", sa.String, nullable=False),  # START | UP_FOR_RETRY | SUCCESS | FAILURE | SKIPPED
    sa.Column("timestamp", Time, nullable=False),
)

run_step_assets = sa.Table(
    "run_step_assets",
    metadata,
    sa.Column("run_id", sa.String, sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True),
    sa.Column("step_key", sa.String, primary_key=True),
    sa.Column("asset_key", sa.String, primary_key=True),  # materialized by the step
)

asset_materializations = sa.Table(
    "asset_materializations",
    metadata,
    sa.Column("asset_key", sa.String, primary_key=True),
    # "" is the unpartitioned materialization, so that the primary key can be upserted.
    sa.Column("partition_key", sa.String, primary_key=True),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Column("sequence", sa.BigInteger, nullable=False),
    sa.Column("timestamp", Time, nullable=False),
    sa.Index("ix_asset_materializations_asset_key_timestamp", "asset_key", "timestamp"),
)

asset_check_evaluations = sa.Table(
    "asset_check_evaluations",
    metadata,
    sa.Column("asset_key", sa.String, primary_key=True),
    sa.Column("check_name", sa.String, primary_key=True),
    sa.Column("passed", sa.Boolean, nullable=False),
    sa.Column("partition_key", sa.String, nullable=True),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Column("sequence", sa.BigInteger, nullable=False),
    sa.Column("timestamp", Time, nullable=False),
)

instigator_state = sa.Table(
    "instigator_state",
    metadata,
    sa.Column("location", sa.String, primary_key=True),
    sa.Column("kind", sa.String, primary_key=True),
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("cursor", sa.Text, nullable=True),
    sa.Column("updated_at", Time, nullable=False),
)

ticks = sa.Table(
    "ticks",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("location", sa.String, nullable=False),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("timestamp", Time, nullable=False),
    sa.Column("logical_time", Time, nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("run_ids", sa.Text, nullable=False),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("cursor", sa.Text, nullable=True),
    sa.Column("output", sa.Text, nullable=True),  # what the evaluation printed, at most 64 KB (migration 0006)
    # A sensor tick has no logical time; NULLs are distinct, so only schedule ticks are unique.
    sa.UniqueConstraint("location", "kind", "name", "logical_time", name="uq_ticks_logical_time"),
    sa.Index("ix_ticks_instigator_timestamp", "location", "kind", "name", "timestamp", "id"),
)

leases = sa.Table(
    "leases",
    metadata,
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("owner", sa.String, nullable=True),
    sa.Column("token", sa.BigInteger, nullable=False),
    sa.Column("expires_at", Time, nullable=False),
)

dynamic_partitions = sa.Table(
    "dynamic_partitions",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("partitions_def_name", sa.String, nullable=False),
    sa.Column("partition_key", sa.String, nullable=False),
    sa.UniqueConstraint("partitions_def_name", "partition_key", name="uq_dynamic_partitions_key"),
)

backfills = sa.Table(
    "backfills",
    metadata,
    sa.Column("backfill_id", sa.String, primary_key=True),
    sa.Column("location", sa.String, nullable=False),
    sa.Column("job_name", sa.String, nullable=True),
    sa.Column("asset_selection", sa.Text, nullable=False),
    sa.Column("partition_keys", sa.Text, nullable=False),
    sa.Column("run_config_json", sa.Text, nullable=False),
    sa.Column("tags", sa.Text, nullable=False),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("created_at", Time, nullable=False),
    sa.Column("submitted", sa.Integer, nullable=False, server_default="0"),
    sa.Column("cursor", sa.Text, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Index("ix_backfills_created_at", "created_at"),
)

daemon_cursors = sa.Table(
    "daemon_cursors",
    metadata,
    sa.Column("name", sa.String, primary_key=True),  # the loop's name, e.g. run_retries
    sa.Column("cursor", sa.Text, nullable=False),
    sa.Column("updated_at", Time, nullable=False),
)

# Declarative automation (migration 0007): an asset's evaluation is stored when it differs from its
# previous one (value_hash), so an asset's state at tick T is its newest row with tick_id <= T.
automation_evaluations = sa.Table(
    "automation_evaluations",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("tick_id", sa.BigInteger, nullable=False),
    sa.Column("location", sa.String, nullable=False),
    sa.Column("sensor_name", sa.String, nullable=False),
    sa.Column("asset_key", sa.String, nullable=False),
    sa.Column("timestamp", Time, nullable=False),
    sa.Column("value_hash", sa.String, nullable=False),
    sa.Column("num_requested", sa.Integer, nullable=False),
    sa.Column("result", sa.Text, nullable=False),  # JSON: the condition tree with each node's true partitions
    sa.Column("memory", sa.Text, nullable=False),  # JSON: what the next tick reads back (since, newly_true, ...)
    sa.UniqueConstraint("tick_id", "asset_key", name="uq_automation_evaluations_tick_asset"),
    sa.Index("ix_automation_evaluations_asset", "location", "sensor_name", "asset_key", "tick_id"),
)

# The runs a tick requests, stored with the tick before any is launched: a tick resumed after a crash
# launches exactly these, each with the run key (sensor, "automation:<tick>:<n>") unique in runs.
automation_run_requests = sa.Table(
    "automation_run_requests",
    metadata,
    sa.Column("id", Id, primary_key=True, autoincrement=True),
    sa.Column("tick_id", sa.BigInteger, nullable=False),
    sa.Column("location", sa.String, nullable=False),
    sa.Column("run_key", sa.String, nullable=False),
    sa.Column("asset_keys", sa.Text, nullable=False),
    sa.Column("partition_key", sa.String, nullable=True),
    sa.Column("run_id", sa.String, nullable=True),
    sa.UniqueConstraint("tick_id", "run_key", name="uq_automation_run_requests_tick_key"),
)
