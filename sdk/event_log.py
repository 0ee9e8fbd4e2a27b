"""Run events as Dagster's API shows them: DagsterEvent, EventLogEntry, EventLogRecord and the filters.

The engine emits plain `sdk.events.Event`s (what travels to the host); these classes are views over
them for results (`result.all_events`) and instances (`instance.fetch_materializations(...)`), so
code written against Dagster reads `event.asset_key.to_user_string()` and
`record.asset_materialization.metadata` as it expects.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from sdk.events import ErrorInfo, Event
from sdk.keys import AssetKey


class DagsterEventType(enum.StrEnum):
    """The kind of a run event; run-level values keep Dagster's stored spelling ("PIPELINE_...")."""

    STEP_OUTPUT = "STEP_OUTPUT"
    STEP_INPUT = "STEP_INPUT"
    STEP_FAILURE = "STEP_FAILURE"
    STEP_START = "STEP_START"
    STEP_SUCCESS = "STEP_SUCCESS"
    STEP_SKIPPED = "STEP_SKIPPED"
    STEP_UP_FOR_RETRY = "STEP_UP_FOR_RETRY"
    STEP_RESTARTED = "STEP_RESTARTED"
    ASSET_MATERIALIZATION = "ASSET_MATERIALIZATION"
    ASSET_MATERIALIZATION_PLANNED = "ASSET_MATERIALIZATION_PLANNED"
    ASSET_FAILED_TO_MATERIALIZE = "ASSET_FAILED_TO_MATERIALIZE"
    ASSET_OBSERVATION = "ASSET_OBSERVATION"
    ASSET_CHECK_EVALUATION_PLANNED = "ASSET_CHECK_EVALUATION_PLANNED"
    ASSET_CHECK_EVALUATION = "ASSET_CHECK_EVALUATION"
    RUN_ENQUEUED = "PIPELINE_ENQUEUED"
    RUN_DEQUEUED = "PIPELINE_DEQUEUED"
    RUN_STARTING = "PIPELINE_STARTING"
    RUN_START = "PIPELINE_START"
    RUN_SUCCESS = "PIPELINE_SUCCESS"
    RUN_FAILURE = "PIPELINE_FAILURE"
    RUN_CANCELING = "PIPELINE_CANCELING"
    RUN_CANCELED = "PIPELINE_CANCELED"
    LOADED_INPUT = "LOADED_INPUT"
    HANDLED_OUTPUT = "HANDLED_OUTPUT"
    ENGINE_EVENT = "ENGINE_EVENT"
    LOGS_CAPTURED = "LOGS_CAPTURED"
    STEP_EXPECTATION_RESULT = "STEP_EXPECTATION_RESULT"
    HOOK_COMPLETED = "HOOK_COMPLETED"
    HOOK_ERRORED = "HOOK_ERRORED"
    HOOK_SKIPPED = "HOOK_SKIPPED"


# engine event type -> Dagster's; LOG and COMPUTE_LOG are log lines, not DagsterEvents (as in Dagster)
_DAGSTER_TYPE = {t.name: t for t in DagsterEventType if not t.name.startswith("RUN_")} | {
    "RUN_START": DagsterEventType.RUN_START,
    "RUN_SUCCESS": DagsterEventType.RUN_SUCCESS,
    "RUN_FAILURE": DagsterEventType.RUN_FAILURE,
    "RUN_CANCELED": DagsterEventType.RUN_CANCELED,
}
RUN_END_TYPES = ("RUN_SUCCESS", "RUN_FAILURE", "RUN_CANCELED")


def is_dagster_event(event: Event) -> bool:
    return event.type in _DAGSTER_TYPE


class StepMaterializationData(NamedTuple):
    materialization: Any  # AssetMaterialization


class AssetObservationData(NamedTuple):
    asset_observation: Any  # AssetObservation


class StepOutputData(NamedTuple):
    output_name: str
    metadata: Mapping[str, Any]


class StepSuccessData(NamedTuple):
    duration_ms: float


class StepFailureData(NamedTuple):
    error: ErrorInfo | None
    user_failure_data: Any = None


class JobFailureData(NamedTuple):
    error: ErrorInfo | None


class StepExpectationResultData(NamedTuple):
    expectation_result: Any  # ExpectationResult


class HookErroredData(NamedTuple):
    error: ErrorInfo | None


class EngineEventData(NamedTuple):
    metadata: Mapping[str, Any]
    error: ErrorInfo | None


class DagsterEvent:
    """One engine event as Dagster shows it: typed `event_type`, `asset_key` an AssetKey, and the
    event-specific data (`step_materialization_data.materialization`, `step_failure_data.error`, ...).

    Weir's own field names (`type`, `metadata`, `partition_key`, `error`, ...) still read through.
    """

    __slots__ = ("_event", "job_name", "run_id")

    def __init__(self, event: Event, job_name: str = "", run_id: str = "") -> None:
        self._event = event
        self.job_name = job_name
        self.run_id = run_id

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in DagsterEvent.__slots__:
            raise AttributeError(name)
        return getattr(self._event, name)

    @property
    def event_type(self) -> DagsterEventType:
        return _DAGSTER_TYPE[self._event.type]

    @property
    def event_type_value(self) -> str:
        return self.event_type.value

    @property
    def step_key(self) -> str | None:
        return self._event.step_key or None

    @property
    def message(self) -> str:
        return self._event.message

    @property
    def asset_key(self) -> AssetKey | None:
        key = self._event.asset_key
        return AssetKey(key) if key else None

    @property
    def partition(self) -> str | None:
        return self._event.partition_key or None

    def _is(self, *types: str) -> bool:
        return self._event.type in types

    is_step_event = property(lambda self: bool(self._event.step_key))
    is_step_start = property(lambda self: self._is("STEP_START"))
    is_step_success = property(lambda self: self._is("STEP_SUCCESS"))
    is_step_failure = property(lambda self: self._is("STEP_FAILURE"))
    is_step_skipped = property(lambda self: self._is("STEP_SKIPPED"))
    is_step_up_for_retry = property(lambda self: self._is("STEP_UP_FOR_RETRY"))
    is_successful_output = property(lambda self: self._is("STEP_OUTPUT"))
    is_step_materialization = property(lambda self: self._is("ASSET_MATERIALIZATION"))
    is_asset_materialization = is_step_materialization
    is_asset_observation = property(lambda self: self._is("ASSET_OBSERVATION"))
    is_asset_check_evaluation = property(lambda self: self._is("ASSET_CHECK_EVALUATION"))
    is_job_success = property(lambda self: self._is("RUN_SUCCESS"))
    is_run_success = is_job_success
    is_job_failure = property(lambda self: self._is("RUN_FAILURE"))
    is_run_failure = is_job_failure
    is_failure = property(lambda self: self._is("STEP_FAILURE", "RUN_FAILURE"))
    is_job_event = property(lambda self: self._event.type.startswith("RUN_"))
    is_engine_event = property(lambda self: self._is("ENGINE_EVENT"))
    is_expectation_result = property(lambda self: self._is("STEP_EXPECTATION_RESULT"))
    is_hook_event = property(lambda self: self._is("HOOK_COMPLETED", "HOOK_ERRORED", "HOOK_SKIPPED"))

    @property
    def materialization(self) -> Any:
        """The AssetMaterialization of an ASSET_MATERIALIZATION event (else None)."""
        return self._event.materialization

    @property
    def step_materialization_data(self) -> StepMaterializationData:
        self._require("ASSET_MATERIALIZATION", "step_materialization_data")
        return StepMaterializationData(self.materialization)

    @property
    def asset_observation_data(self) -> AssetObservationData:
        self._require("ASSET_OBSERVATION", "asset_observation_data")
        return AssetObservationData(observation_of(self._event))

    @property
    def asset_check_evaluation_data(self) -> Any:
        self._require("ASSET_CHECK_EVALUATION", "asset_check_evaluation_data")
        return check_evaluation_of(self._event)

    @property
    def step_output_data(self) -> StepOutputData:
        self._require("STEP_OUTPUT", "step_output_data")
        return StepOutputData(self._event.output_name, dict(self._event.metadata))

    @property
    def step_success_data(self) -> StepSuccessData:
        self._require("STEP_SUCCESS", "step_success_data")
        return StepSuccessData(self._event.duration_seconds * 1000.0)

    @property
    def step_failure_data(self) -> StepFailureData:
        self._require("STEP_FAILURE", "step_failure_data")
        return StepFailureData(self._event.error)

    @property
    def job_failure_data(self) -> JobFailureData:
        self._require("RUN_FAILURE", "job_failure_data")
        return JobFailureData(self._event.error)

    @property
    def step_expectation_result_data(self) -> StepExpectationResultData:
        self._require("STEP_EXPECTATION_RESULT", "step_expectation_result_data")
        return StepExpectationResultData(expectation_of(self._event))

    @property
    def hook_errored_data(self) -> HookErroredData:
        self._require("HOOK_ERRORED", "hook_errored_data")
        return HookErroredData(self._event.error)

    @property
    def engine_event_data(self) -> EngineEventData:
        return EngineEventData(dict(self._event.metadata), self._event.error)

    @property
    def event_specific_data(self) -> Any:
        by_type = {
            "ASSET_MATERIALIZATION": "step_materialization_data",
            "ASSET_OBSERVATION": "asset_observation_data",
            "ASSET_CHECK_EVALUATION": "asset_check_evaluation_data",
            "STEP_OUTPUT": "step_output_data",
            "STEP_SUCCESS": "step_success_data",
            "STEP_FAILURE": "step_failure_data",
            "RUN_FAILURE": "job_failure_data",
            "ENGINE_EVENT": "engine_event_data",
            "STEP_EXPECTATION_RESULT": "step_expectation_result_data",
            "HOOK_ERRORED": "hook_errored_data",
        }
        name = by_type.get(self._event.type)
        return getattr(self, name) if name else None

    def _require(self, engine_type: str, what: str) -> None:
        if self._event.type != engine_type:
            raise AttributeError(f"{what} belongs to {engine_type} events; this event is {self._event.type}.")

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DagsterEvent) and (self._event, self.run_id) == (other._event, other.run_id)

    def __hash__(self) -> int:
        return hash((self._event, self.run_id))

    def __repr__(self) -> str:
        return f"DagsterEvent({self.event_type_value}, step_key={self.step_key!r}, message={self.message!r})"


def observation_of(event: Event) -> Any:
    from sdk.outputs import AssetObservation

    if event.type != "ASSET_OBSERVATION" or event.asset_key is None:
        return None
    return AssetObservation(
        asset_key=event.asset_key,
        description=event.message or None,
        metadata=event.metadata,
        partition=event.partition_key or None,
    )


def expectation_of(event: Event) -> Any:
    from sdk.outputs import ExpectationResult

    if event.type != "STEP_EXPECTATION_RESULT":
        return None
    result = ExpectationResult(event.check_passed, event.check_name or None, None, dict(event.metadata))
    described = event.message and event.message != result.default_message()
    return ExpectationResult(result.success, result.label, event.message if described else None, result.metadata)


def check_evaluation_of(event: Event) -> Any:
    from sdk.checks import AssetCheckEvaluation, AssetCheckSeverity

    if event.type != "ASSET_CHECK_EVALUATION":
        return None
    return AssetCheckEvaluation(
        AssetKey(event.asset_key or ("?",)),
        event.check_name,
        event.check_passed,
        AssetCheckSeverity(event.check_severity or "ERROR"),
        dict(event.metadata),
        event.message or None,
    )


@dataclass(frozen=True)
class EventLogEntry:
    """One entry of a run's event log: a DagsterEvent, or a log line (`dagster_event` None)."""

    error_info: ErrorInfo | None
    level: str | int
    user_message: str
    run_id: str
    timestamp: float
    step_key: str | None = None
    job_name: str | None = None
    dagster_event: DagsterEvent | None = None

    @staticmethod
    def from_event(event: Event, run_id: str, job_name: str | None) -> EventLogEntry:
        dagster_event = DagsterEvent(event, job_name or "", run_id) if is_dagster_event(event) else None
        return EventLogEntry(
            error_info=event.error,
            level=event.level or "DEBUG",
            user_message="" if dagster_event is not None else event.message,
            run_id=run_id,
            timestamp=event.timestamp,
            step_key=event.step_key or None,
            job_name=job_name,
            dagster_event=dagster_event,
        )

    @property
    def is_dagster_event(self) -> bool:
        return self.dagster_event is not None

    def get_dagster_event(self) -> DagsterEvent:
        if self.dagster_event is None:
            raise ValueError(f"This entry is a log line ({self.user_message!r}), not a DagsterEvent.")
        return self.dagster_event

    @property
    def dagster_event_type(self) -> DagsterEventType | None:
        return self.dagster_event.event_type if self.dagster_event is not None else None

    @property
    def message(self) -> str:
        return self.dagster_event.message if self.dagster_event is not None else self.user_message

    @property
    def asset_materialization(self) -> Any:
        return self.dagster_event.materialization if self.dagster_event is not None else None

    @property
    def asset_observation(self) -> Any:
        return observation_of(self.dagster_event._event) if self.dagster_event is not None else None

    @property
    def asset_check_evaluation(self) -> Any:
        return check_evaluation_of(self.dagster_event._event) if self.dagster_event is not None else None

    @property
    def tags(self) -> Mapping[str, str] | None:
        materialization = self.asset_materialization
        return materialization.tags if materialization is not None else None
