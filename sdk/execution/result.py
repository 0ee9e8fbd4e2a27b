"""The result of materialize() / execute_in_process(): success, events, and values by node."""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import Any

from sdk.checks import AssetCheckEvaluation
from sdk.errors import DagsterInvariantViolationError
from sdk.event_log import DagsterEvent, check_evaluation_of, is_dagster_event, observation_of
from sdk.events import Event
from sdk.outputs import AssetMaterialization, AssetObservation


class ExecuteInProcessResult:
    """What a finished in-process run reports. Its events are Dagster's DagsterEvents (log lines are
    in the instance: `instance.all_logs(result.run_id)`)."""

    def __init__(
        self,
        run_id: str,
        job_name: str,
        success: bool,
        events: list[Event],
        values: dict[tuple[str, str], Any],
        plan: Any,
        instance: Any = None,
    ) -> None:
        self.run_id = run_id
        self.job_name = job_name
        self.success = success
        self._events = events
        self._values = values
        self._plan = plan
        self._instance = instance
        self.job_def: Any = None  # set by the run that made it: graph nodes' outputs resolve through it

    @cached_property
    def all_events(self) -> list[DagsterEvent]:
        """Every DagsterEvent of the run, in order."""
        return [DagsterEvent(e, self.job_name, self.run_id) for e in self._events if is_dagster_event(e)]

    @property
    def dagster_run(self) -> Any:
        """The run as the instance recorded it (status, tags, run config)."""
        run = self._instance.get_run_by_id(self.run_id) if self._instance is not None else None
        if run is None:
            raise DagsterInvariantViolationError(f"Run {self.run_id} is not in this result's instance.")
        return run

    @property
    def all_node_events(self) -> list[DagsterEvent]:
        return [e for e in self.all_events if e.step_key]

    def events_for_node(self, node_name: str) -> list[DagsterEvent]:
        return [e for e in self.all_events if e.step_key == node_name]

    def filter_events(self, event_filter: Callable[[DagsterEvent], bool]) -> list[DagsterEvent]:
        return [e for e in self.all_events if event_filter(e)]

    def is_node_success(self, node_str: str) -> bool:
        return any(e.is_step_success for e in self.events_for_node(node_str))

    def is_node_failed(self, node_str: str) -> bool:
        return any(e.is_step_failure for e in self.events_for_node(node_str))

    def is_node_skipped(self, node_str: str) -> bool:
        return any(e.is_step_skipped for e in self.events_for_node(node_str))

    def is_node_untouched(self, node_str: str) -> bool:
        return not self.events_for_node(node_str)

    def output_for_node(self, node_str: str, output_name: str = "result") -> Any:
        job = self.job_def
        if job is not None and (node_str, output_name) not in self._values:  # a graph node: its op's output
            from sdk.graphs import node_output_step

            node_str, output_name = node_output_step(job.graph, node_str, output_name)
        key = (node_str, output_name)
        mapped = {
            s[len(node_str) + 1 : -1]: v
            for (s, o), v in self._values.items()
            if o == output_name and (s.startswith(f"{node_str}[") and s.endswith("]"))
        }
        if key not in self._values and mapped:  # an op mapped over a dynamic output: its values by mapping key
            return mapped
        if key not in self._values:
            known = sorted({f"{s}.{o}" for s, o in self._values})
            raise DagsterInvariantViolationError(
                f'No output "{output_name}" of node "{node_str}" in this run; the outputs are {known[:20]}.'
            )
        return self._values[key]

    def output_value(self, output_name: str = "result") -> Any:
        """An output of the job's graph (a job built from a graph that returns one)."""
        graph = self.job_def.graph if self.job_def is not None else None
        if graph is not None and output_name in graph.output_mappings:
            _op, output, path = graph.leaf_output(output_name)
            return self.output_for_node(".".join(path), output)
        return self.output_for_node(output_name)

    def asset_value(self, asset_key: Any) -> Any:
        from sdk.keys import to_asset_key

        key = to_asset_key(asset_key)
        step = self._plan.step_for_output(key) if self._plan else None
        if step is None:
            raise DagsterInvariantViolationError(f"Asset {key.to_user_string()} was not part of this run.")
        return self.output_for_node(step.key, step.owner.output_by_key[key])

    def asset_materializations_for_node(self, node_name: str) -> list[AssetMaterialization]:
        return [e.materialization for e in self._of_type("ASSET_MATERIALIZATION") if e.step_key == node_name]

    def asset_observations_for_node(self, node_name: str) -> list[AssetObservation]:
        return [observation_of(e) for e in self._of_type("ASSET_OBSERVATION") if e.step_key == node_name]

    def get_asset_materialization_events(self) -> list[DagsterEvent]:
        return [e for e in self.all_events if e.is_step_materialization]

    def get_asset_observation_events(self) -> list[DagsterEvent]:
        return [e for e in self.all_events if e.is_asset_observation]

    def get_asset_check_evaluations(self) -> list[AssetCheckEvaluation]:
        return [check_evaluation_of(e) for e in self._of_type("ASSET_CHECK_EVALUATION")]

    def get_step_success_events(self) -> list[DagsterEvent]:
        return [e for e in self.all_events if e.is_step_success]

    def get_step_failure_events(self) -> list[DagsterEvent]:
        return [e for e in self.all_events if e.is_step_failure]

    def get_job_success_event(self) -> DagsterEvent:
        return self._one("RUN_SUCCESS", "success")

    def get_job_failure_event(self) -> DagsterEvent:
        return self._one("RUN_FAILURE", "failure")

    get_run_success_event = get_job_success_event
    get_run_failure_event = get_job_failure_event

    def get_failed_step_keys(self) -> set[str]:
        return {e.step_key for e in self._of_type("STEP_FAILURE")}

    def _of_type(self, engine_type: str) -> list[Event]:
        return [e for e in self._events if e.type == engine_type]

    def _one(self, engine_type: str, what: str) -> DagsterEvent:
        found = [e for e in self.all_events if e.type == engine_type]
        if not found:
            raise DagsterInvariantViolationError(f"Run {self.run_id} of job {self.job_name} has no {what} event.")
        return found[0]

    def __repr__(self) -> str:
        return f"<ExecuteInProcessResult {self.job_name} success={self.success}>"
