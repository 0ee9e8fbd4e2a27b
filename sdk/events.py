"""Run events as the engine emits them, and the error boundary that turns user exceptions into data.

`Event.type` is a weir.v1.EventType name; codeserver/convert.py turns events into wire messages.
"""

from __future__ import annotations

import traceback as _tb
from dataclasses import dataclass, field
from typing import Any

EVENT_TYPES = (
    "RUN_START",
    "RUN_SUCCESS",
    "RUN_FAILURE",
    "RUN_CANCELED",
    "STEP_START",
    "STEP_OUTPUT",
    "STEP_SUCCESS",
    "STEP_FAILURE",
    "STEP_SKIPPED",
    "STEP_UP_FOR_RETRY",
    "ASSET_MATERIALIZATION",
    "ASSET_CHECK_EVALUATION",
    "LOG",
    "ENGINE_EVENT",
    "COMPUTE_LOG",
    "ASSET_OBSERVATION",
    "STEP_EXPECTATION_RESULT",
    "HOOK_COMPLETED",
    "HOOK_ERRORED",
    "HOOK_SKIPPED",
    "STEP_RESTARTED",
)


@dataclass(frozen=True)
class ErrorInfo:
    """An exception as data: type, message, formatted traceback and the cause chain."""

    type: str
    message: str
    traceback: str
    cause: ErrorInfo | None = None

    @staticmethod
    def from_exception(exc: BaseException) -> ErrorInfo:
        cause_exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
        return ErrorInfo(
            type=type(exc).__name__,
            message=str(exc),
            traceback="".join(_tb.format_exception(type(exc), exc, exc.__traceback__)),
            cause=ErrorInfo.from_exception(cause_exc) if cause_exc is not None else None,
        )

    def to_string(self) -> str:
        return f"{self.type}: {self.message}"

    @property
    def cls_name(self) -> str:
        """The exception's class name (Dagster's SerializableErrorInfo.cls_name)."""
        return self.type

    @property
    def stack(self) -> list[str]:
        """The traceback's lines (Dagster's SerializableErrorInfo.stack)."""
        return self.traceback.splitlines(keepends=True)


@dataclass(frozen=True)
class Event:
    """One event of a run, without run id and sequence: the run worker numbers events as it journals them."""

    type: str
    timestamp: float
    step_key: str = ""
    message: str = ""
    asset_key: tuple[str, ...] | None = None
    partition_key: str = ""
    metadata: dict = field(default_factory=dict)
    error: ErrorInfo | None = None
    check_name: str = ""
    check_passed: bool = False
    check_severity: str = ""
    duration_seconds: float = 0.0
    output_name: str = ""
    level: str = ""
    stream: str = ""  # COMPUTE_LOG: "stdout" | "stderr"
    dropped_bytes: int = 0  # COMPUTE_LOG: set on the marker of a stream that passed its cap

    @property
    def event_type_value(self) -> str:
        return self.type

    @property
    def is_step_success(self) -> bool:
        return self.type == "STEP_SUCCESS"

    @property
    def is_step_failure(self) -> bool:
        return self.type == "STEP_FAILURE"

    @property
    def is_failure(self) -> bool:
        return self.type in ("STEP_FAILURE", "RUN_FAILURE")

    @property
    def materialization(self) -> Any:
        """The AssetMaterialization this event reports (ASSET_MATERIALIZATION events only)."""
        from sdk.outputs import AssetMaterialization

        if self.type != "ASSET_MATERIALIZATION" or self.asset_key is None:
            return None
        # a yielded AssetMaterialization's description is the message; an output's is the engine's own
        description = None if self.output_name else self.message or None
        return AssetMaterialization(
            asset_key=self.asset_key,
            description=description,
            metadata=self.metadata,
            partition=self.partition_key or None,
        )
