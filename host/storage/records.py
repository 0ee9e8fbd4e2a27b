"""The values storage reads and writes: small frozen dataclasses, no SQL and no protobuf types.

Times are UTC seconds since the epoch (floats) everywhere. Asset keys are "a/b" strings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TypedDict


class RunStatus(StrEnum):
    """A run's status: the names of `weir.v1.RunStatus` (tests/host/storage/test_enums.py keeps them equal)."""

    QUEUED = "QUEUED"
    STARTING = "STARTING"
    STARTED = "STARTED"
    SUCCESS = "SUCCESS"
    FAILURE = "FAILURE"
    CANCELING = "CANCELING"
    CANCELED = "CANCELED"


class InstigatorKind(StrEnum):
    """What fires runs on its own: the names of `weir.v1.InstigatorKind`."""

    SCHEDULE = "SCHEDULE"
    SENSOR = "SENSOR"


class InstigatorStatus(StrEnum):
    """Whether the daemon evaluates a schedule or sensor: the names of `weir.v1.DefaultStatus`."""

    RUNNING = "RUNNING"
    STOPPED = "STOPPED"


class TickStatus(StrEnum):
    """How one evaluation of a schedule or sensor went (`weir.v1.Tick.status`, a string field)."""

    STARTED = "STARTED"
    SUCCESS = "SUCCESS"
    SKIPPED = "SKIPPED"
    FAILURE = "FAILURE"


class BackfillStatus(StrEnum):
    """Where a backfill stands (`weir.v1.Backfill.status`, a string field)."""

    REQUESTED = "REQUESTED"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELING = "CANCELING"
    CANCELED = "CANCELED"


class RunIdentity(TypedDict, total=False):
    """What makes a daemon's run unique (rule 6): (schedule, logical time, run key) or (sensor, run key)."""

    schedule_name: str
    sensor_name: str
    logical_time: float
    run_key: str | None


RUN_STATUSES = tuple(RunStatus)
TERMINAL_RUN_STATUSES = (RunStatus.SUCCESS, RunStatus.FAILURE, RunStatus.CANCELED)
IN_FLIGHT_RUN_STATUSES = (RunStatus.STARTING, RunStatus.STARTED)

INSTIGATOR_KINDS = tuple(InstigatorKind)
INSTIGATOR_STATUSES = tuple(InstigatorStatus)
TICK_STATUSES = tuple(TickStatus)
BACKFILL_STATUSES = tuple(BackfillStatus)


def check_choice(value: str, choices: tuple[str, ...], what: str) -> str:
    """Reject a status or kind spelled differently from the protocol, before it reaches a column."""
    if value not in choices:
        raise ValueError(f"Unknown {what} {value!r}; expected one of {', '.join(choices)}.")
    return value


@dataclass(frozen=True)
class RunRecord:
    """One run as stored; status is a `weir.v1.RunStatus` name."""

    run_id: str
    location: str
    job_name: str
    status: str
    asset_selection: tuple[str, ...]
    run_config_json: str
    tags: Mapping[str, str]
    snapshot_id: str
    created_at: float
    partition_key: str | None = None
    schedule_name: str | None = None
    sensor_name: str | None = None
    backfill_id: str | None = None
    run_key: str | None = None
    logical_time: float | None = None
    started_at: float | None = None
    ended_at: float | None = None
    failure_reason: str | None = None
    parent_run_id: str | None = None
    root_run_id: str | None = None
    step_selection: tuple[str, ...] = ()  # a re-execution's steps (empty: those not in output_runs)
    output_runs: Mapping[str, str] = field(default_factory=dict)  # step -> run whose outputs it reuses


@dataclass(frozen=True)
class EventRecord:
    """One run event: the indexed columns plus the serialized `weir.v1.RunEvent` in body."""

    run_id: str
    sequence: int
    event_type: str
    timestamp: float
    step_key: str
    asset_key: str | None
    partition_key: str | None
    body: bytes
    check_name: str | None = None
    check_passed: bool | None = None
    # What the run summary takes from the body (storage/run_summary.py), so not compared: `event_record`
    # fills them from the wire event; a record made without a level has them read from its body when stored.
    level: str | None = field(default=None, compare=False)  # DEBUG | INFO | WARNING | ERROR | CRITICAL | EVENT
    stream: str = field(default="", compare=False)  # COMPUTE_LOG: stdout | stderr
    text_bytes: int = field(default=0, compare=False)  # COMPUTE_LOG: the output's bytes (its text in UTF-8)
    dropped_bytes: int = field(default=0, compare=False)  # COMPUTE_LOG: the bytes past the cap a marker stands for


@dataclass(frozen=True)
class MaterializationRecord:
    """The latest materialization of an asset (and partition), from the asset index."""

    asset_key: str
    partition_key: str | None
    run_id: str
    timestamp: float
    sequence: int


@dataclass(frozen=True)
class CheckEvaluationRecord:
    """The latest evaluation of one asset check, from the check index."""

    asset_key: str
    check_name: str
    passed: bool
    partition_key: str | None
    run_id: str
    timestamp: float
    sequence: int


@dataclass(frozen=True)
class InstigatorState:
    """Whether a schedule or sensor runs, and the sensor's cursor; kept across reloads."""

    location: str
    name: str
    kind: str
    status: str
    cursor: str | None = None
    updated_at: float = 0.0


@dataclass(frozen=True)
class TickRecord:
    """One evaluation of a schedule or sensor, kept so that a skipped or failed tick is visible."""

    tick_id: int
    location: str
    name: str
    kind: str
    status: str
    timestamp: float
    logical_time: float | None = None
    reason: str | None = None
    run_ids: tuple[str, ...] = ()
    error: str | None = None
    cursor: str | None = None
    output: str | None = None  # what user code wrote to stdout and stderr while evaluated


@dataclass(frozen=True)
class LeaseRecord:
    """Who holds a named lease until when; owner is None once released."""

    name: str
    owner: str | None
    token: int
    expires_at: float


@dataclass(frozen=True)
class BackfillRecord:
    """A backfill: the partitions to run and how far the daemon got submitting them."""

    backfill_id: str
    location: str
    status: str
    created_at: float
    partition_keys: tuple[str, ...]
    asset_selection: tuple[str, ...] = ()
    job_name: str | None = None
    run_config_json: str = "{}"
    tags: Mapping[str, str] = field(default_factory=dict)
    submitted: int = 0
    cursor: str | None = None
    error: str | None = None
