"""What a run status sensor's function receives, and how a unit test builds it (Dagster's
build_run_status_sensor_context(...).for_run_failure())."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any


class RunStatusSensorContext:
    """One run that reached the monitored status: the run, the event that ended it, the instance."""

    def __init__(
        self,
        sensor_name: str,
        dagster_run: Any,
        dagster_event: Any = None,
        instance: Any = None,
        resources: Any = None,
        logger: logging.Logger | None = None,
        partition_key: str | None = None,
        cursor: str | None = None,
    ) -> None:
        self.sensor_name = sensor_name
        self.dagster_run = dagster_run
        self.dagster_event = dagster_event
        self._instance = instance
        self.resources = resources if resources is not None else SimpleNamespace()
        self.log = logger or logging.getLogger(f"weir.sensors.{sensor_name}")
        self.partition_key = partition_key
        self.cursor = cursor

    @property
    def instance(self) -> Any:
        if self._instance is None:
            from sdk.instance import missing_instance_error

            raise missing_instance_error("sensor")
        return self._instance

    def for_run_failure(self) -> RunFailureSensorContext:
        """The same context as a run failure sensor sees it (failure_event, get_step_failure_events)."""
        return RunFailureSensorContext(
            self.sensor_name,
            self.dagster_run,
            self.dagster_event,
            self._instance,
            self.resources,
            self.log,
            self.partition_key,
            self.cursor,
        )


class RunFailureSensorContext(RunStatusSensorContext):
    """What a @run_failure_sensor function receives: also the failure event and the failed steps' events."""

    @property
    def failure_event(self) -> Any:
        return self.dagster_event

    def get_step_failure_events(self) -> list[Any]:
        """The STEP_FAILURE events of the run (from the instance the context was built with)."""
        from sdk.event_log import DagsterEventType

        entries = self.instance.all_logs(self.dagster_run.run_id, of_type=DagsterEventType.STEP_FAILURE)
        return [entry.dagster_event for entry in entries]


def build_run_status_sensor_context(
    sensor_name: str,
    dagster_event: Any,
    dagster_instance: Any,
    dagster_run: Any,
    context: Any = None,
    resources: Mapping[str, Any] | None = None,
    partition_key: str | None = None,
    repository_def: Any = None,
    logger: logging.Logger | None = None,
) -> RunStatusSensorContext:
    """A context for calling a run status sensor directly: from `result.dagster_run` and
    `result.get_run_success_event()` (or get_run_failure_event) of a run in `dagster_instance`."""
    return RunStatusSensorContext(
        sensor_name,
        dagster_run,
        dagster_event,
        dagster_instance,
        SimpleNamespace(**dict(resources or {})) if resources is not None else getattr(context, "resources", None),
        logger,
        partition_key,
        getattr(context, "cursor", None),
    )
