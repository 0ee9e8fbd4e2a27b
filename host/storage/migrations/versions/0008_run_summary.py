"""The run summary kept at ingest: each event's level, counts per (step, type, level), step state and
captured output bytes, the assets each step materialized; filled here for the runs already stored.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

from protos.weir.v1 import common_pb2

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

STEP_ENDS = {"STEP_SUCCESS": "SUCCESS", "STEP_FAILURE": "FAILURE", "STEP_SKIPPED": "SKIPPED"}
_LOG_LEVELS = ("INFO", "WARNING", "ERROR", "DEBUG", "CRITICAL")
_LEVEL_FIELD = 16  # RunEvent.level
_SEVERITY_FIELD = 13  # RunEvent.check_severity
_BATCH = 5000

events = sa.table(
    "events",
    sa.column("run_id", sa.String),
    sa.column("sequence", sa.BigInteger),
    sa.column("event_type", sa.String),
    sa.column("timestamp", sa.Double),
    sa.column("step_key", sa.String),
    sa.column("asset_key", sa.String),
    sa.column("body", sa.LargeBinary),
    sa.column("check_passed", sa.Boolean),
    sa.column("level", sa.String),
)


def _run_fk() -> sa.Column[Any]:
    return sa.Column("run_id", sa.String, sa.ForeignKey("runs.run_id", ondelete="CASCADE"), primary_key=True)


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("level", sa.String, nullable=False, server_default="EVENT"))
    op.create_table(
        "run_event_counts",
        _run_fk(),
        sa.Column("step_key", sa.String, primary_key=True),
        sa.Column("event_type", sa.String, primary_key=True),
        sa.Column("level", sa.String, primary_key=True),
        sa.Column("event_count", sa.BigInteger, nullable=False),
        sa.Column("first_sequence", sa.BigInteger, nullable=False),
        sa.Column("last_sequence", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "run_steps",
        _run_fk(),
        sa.Column("step_key", sa.String, primary_key=True),
        sa.Column("started_at", sa.Double, nullable=True),
        sa.Column("last_start_sequence", sa.BigInteger, nullable=False),
        sa.Column("last_end_sequence", sa.BigInteger, nullable=False),
        sa.Column("ended_at", sa.Double, nullable=True),
        sa.Column("end_status", sa.String, nullable=True),
        sa.Column("last_retry_sequence", sa.BigInteger, nullable=False),
        sa.Column("stdout_bytes", sa.BigInteger, nullable=False),
        sa.Column("stderr_bytes", sa.BigInteger, nullable=False),
        sa.Column("dropped_bytes", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "run_step_assets",
        _run_fk(),
        sa.Column("step_key", sa.String, primary_key=True),
        sa.Column("asset_key", sa.String, primary_key=True),
    )
    conn = op.get_bind()
    conn.execute(sa.update(events).values(level=_level(conn.dialect.name)))
    _fill_counts(conn)
    _fill_steps(conn)
    conn.execute(
        sa.text(
            "INSERT INTO run_step_assets (run_id, step_key, asset_key) SELECT DISTINCT run_id, step_key, asset_key"
            " FROM events WHERE event_type = 'ASSET_MATERIALIZATION' AND asset_key IS NOT NULL"
        )
    )


def downgrade() -> None:
    op.drop_table("run_step_assets")
    op.drop_table("run_steps")
    op.drop_table("run_event_counts")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("level")


def _field_bytes(number: int, text: str) -> bytes:
    """How protobuf encodes a short string field: its key (field number, wire type 2), length, bytes."""
    value = text.encode()
    key = (number << 3) | 2
    tag = bytes([key]) if key < 0x80 else bytes([(key & 0x7F) | 0x80, key >> 7])
    return tag + bytes([len(value)]) + value


def _has_bytes(dialect: str, column: Any, needle: bytes) -> Any:
    found = sa.literal(needle, sa.LargeBinary)
    if dialect == "postgresql":
        return sa.func.pg_catalog.position(column, found) > 0
    return sa.func.instr(column, found) > 0


def _level(dialect: str) -> Any:
    """An event's level from its stored columns and bytes, as Weir read it before this revision (a LOG's
    level is found as its field's exact encoding in the body)."""
    body, kind = events.c.body, events.c.event_type
    log_level = sa.case(
        *((_has_bytes(dialect, body, _field_bytes(_LEVEL_FIELD, name)), name) for name in _LOG_LEVELS),
        else_="INFO",
    )
    failed_check = sa.and_(kind == "ASSET_CHECK_EVALUATION", events.c.check_passed == sa.false())
    return sa.case(
        (kind == "LOG", log_level),
        (kind == "COMPUTE_LOG", "INFO"),
        (kind.in_(("RUN_FAILURE", "STEP_FAILURE")), "ERROR"),
        (kind == "STEP_UP_FOR_RETRY", "WARNING"),
        (sa.and_(failed_check, _has_bytes(dialect, body, _field_bytes(_SEVERITY_FIELD, "ERROR"))), "ERROR"),
        (failed_check, "WARNING"),
        else_="EVENT",
    )


def _fill_counts(conn: sa.Connection) -> None:
    conn.execute(
        sa.text(
            "INSERT INTO run_event_counts (run_id, step_key, event_type, level, event_count, first_sequence,"
            " last_sequence) SELECT run_id, step_key, event_type, level, count(*), min(sequence), max(sequence)"
            " FROM events GROUP BY run_id, step_key, event_type, level"
        )
    )


def _fill_steps(conn: sa.Connection) -> None:
    """One row per step with a start, end, retry or output; the latest end's time and kind; then the bytes
    of output, from the stored chunks (the text's length is inside the body)."""
    ends = ", ".join(f"'{kind}'" for kind in STEP_ENDS)
    conn.execute(
        sa.text(
            "INSERT INTO run_steps (run_id, step_key, started_at, last_start_sequence, last_end_sequence,"
            " last_retry_sequence, stdout_bytes, stderr_bytes, dropped_bytes)"
            " SELECT run_id, step_key,"
            " min(CASE WHEN event_type = 'STEP_START' THEN timestamp END),"
            " max(CASE WHEN event_type = 'STEP_START' THEN sequence ELSE -1 END),"
            f" max(CASE WHEN event_type IN ({ends}) THEN sequence ELSE -1 END),"
            " max(CASE WHEN event_type = 'STEP_UP_FOR_RETRY' THEN sequence ELSE -1 END), 0, 0, 0"
            f" FROM events WHERE event_type IN ('STEP_START', 'STEP_UP_FOR_RETRY', 'COMPUTE_LOG', {ends})"
            " GROUP BY run_id, step_key"
        )
    )
    status = " ".join(f"WHEN '{kind}' THEN '{name}'" for kind, name in STEP_ENDS.items())
    end = "FROM events e WHERE e.run_id = run_steps.run_id AND e.sequence = run_steps.last_end_sequence"
    conn.execute(
        sa.text(
            f"UPDATE run_steps SET ended_at = (SELECT e.timestamp {end}),"
            f" end_status = (SELECT CASE e.event_type {status} END {end}) WHERE last_end_sequence >= 0"
        )
    )
    update = sa.text(
        "UPDATE run_steps SET stdout_bytes = :stdout, stderr_bytes = :stderr, dropped_bytes = :dropped"
        " WHERE run_id = :run_id AND step_key = :step_key"
    )
    sizes = _output_sizes(conn)
    rows = [{"run_id": r, "step_key": s, "stdout": o, "stderr": e, "dropped": d} for (r, s), (o, e, d) in sizes.items()]
    for start in range(0, len(rows), _BATCH):
        conn.execute(update, rows[start : start + _BATCH])


def _output_sizes(conn: sa.Connection) -> dict[tuple[str, str], tuple[int, int, int]]:
    """(stdout, stderr, dropped) bytes per (run, step), counted as ingest counts them."""
    sizes: dict[tuple[str, str], tuple[int, int, int]] = {}
    for run_id, step_key, body in _chunks(conn):
        chunk = common_pb2.RunEvent.FromString(body)
        out, err, dropped = sizes.get((run_id, step_key), (0, 0, 0))
        if chunk.dropped_bytes:
            dropped += chunk.dropped_bytes
        elif chunk.stream == "stderr":
            err += len(chunk.message.encode())
        else:
            out += len(chunk.message.encode())
        sizes[(run_id, step_key)] = (out, err, dropped)
    return sizes


def _chunks(conn: sa.Connection) -> Iterator[tuple[str, str, bytes]]:
    """The stored output chunks, a batch at a time by storage id (keyset: no server-side cursor needed)."""
    after = 0
    while True:
        batch = conn.execute(
            sa.text(
                "SELECT id, run_id, step_key, body FROM events WHERE event_type = 'COMPUTE_LOG' AND id > :after"
                " ORDER BY id LIMIT :limit"
            ),
            {"after": after, "limit": _BATCH},
        ).all()
        for _, run_id, step_key, body in batch:
            yield run_id, step_key, bytes(body)
        if len(batch) < _BATCH:
            return
        after = batch[-1][0]
