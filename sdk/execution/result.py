"""The result of materialize() / execute_in_process(): success, events, and values by node."""

from __future__ import annotations

from typing import Any

from sdk.checks import AssetCheckEvaluation, AssetCheckSeverity
from sdk.errors import DagsterInvariantViolationError
from sdk.events import Event
from sdk.keys import AssetKey
from sdk.outputs import AssetMaterialization


class ExecuteInProcessResult:
    """What a finished in-process run reports."""

    def __init__(
        self,
        run_id: str,
        job_name: str,
        success: bool,
        events: list[Event],
        values: dict[tuple[str, str], Any],
        plan: Any,
    ) -> None:
        self.run_id = run_id
        self.job_name = job_name
        self.success = success
        self.all_events = events
        self._values = values
        self._plan = plan

    @property
    def dagster_run(self) -> Any:
        return self

    @property
    def all_node_events(self) -> list[Event]:
        return [e for e in self.all_events if e.step_key]

    def events_for_node(self, node_name: str) -> list[Event]:
        return [e for e in self.all_events if e.step_key == node_name]

    def output_for_node(self, node_str: str, output_name: str = "result") -> Any:
        key = (node_str, output_name)
        if key not in self._values:
            known = sorted({f"{s}.{o}" for s, o in self._values})
            raise DagsterInvariantViolationError(
                f'No output "{output_name}" of node "{node_str}" in this run; the outputs are {known[:20]}.'
            )
        return self._values[key]

    def output_value(self, output_name: str = "result") -> Any:
        return self.output_for_node(output_name)

    def asset_value(self, asset_key: Any) -> Any:
        from sdk.keys import to_asset_key

        key = to_asset_key(asset_key)
        step = self._plan.step_for_output(key) if self._plan else None
        if step is None:
            raise DagsterInvariantViolationError(f"Asset {key.to_user_string()} was not part of this run.")
        return self.output_for_node(step.key, step.owner.output_by_key[key])

    def asset_materializations_for_node(self, node_name: str) -> list[AssetMaterialization]:
        return [
            e.materialization for e in self.all_events if e.type == "ASSET_MATERIALIZATION" and e.step_key == node_name
        ]

    def get_asset_materialization_events(self) -> list[Event]:
        return [e for e in self.all_events if e.type == "ASSET_MATERIALIZATION"]

    def get_asset_check_evaluations(self) -> list[AssetCheckEvaluation]:
        return [
            AssetCheckEvaluation(
                AssetKey(e.asset_key or ("?",)),
                e.check_name,
                e.check_passed,
                AssetCheckSeverity(e.check_severity or "ERROR"),
                dict(e.metadata),
                e.message or None,
            )
            for e in self.all_events
            if e.type == "ASSET_CHECK_EVALUATION"
        ]

    def get_step_success_events(self) -> list[Event]:
        return [e for e in self.all_events if e.type == "STEP_SUCCESS"]

    def get_failed_step_keys(self) -> set[str]:
        return {e.step_key for e in self.all_events if e.type == "STEP_FAILURE"}

    def __repr__(self) -> str:
        return f"<ExecuteInProcessResult {self.job_name} success={self.success}>"
