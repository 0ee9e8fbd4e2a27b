"""Execution contexts handed to compute functions: log, run_id, asset_key, partition_key, resources."""

from __future__ import annotations

import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

from sdk.errors import DagsterInvariantViolationError
from sdk.keys import AssetKey


class RunLogger:
    """context.log: each call becomes a LOG event of the run."""

    def __init__(self, emit: Callable[[str, str], None]) -> None:
        self._emit = emit

    def debug(self, msg: str, *args: Any) -> None:
        self._emit("DEBUG", str(msg) % args if args else str(msg))

    def info(self, msg: str, *args: Any) -> None:
        self._emit("INFO", str(msg) % args if args else str(msg))

    def warning(self, msg: str, *args: Any) -> None:
        self._emit("WARNING", str(msg) % args if args else str(msg))

    warn = warning

    def error(self, msg: str, *args: Any) -> None:
        self._emit("ERROR", str(msg) % args if args else str(msg))

    def critical(self, msg: str, *args: Any) -> None:
        self._emit("CRITICAL", str(msg) % args if args else str(msg))

    def exception(self, msg: str, *args: Any) -> None:
        self.error(msg, *args)


DagsterLogManager = RunLogger  # Dagster's name for the type of context.log


class RunInfo:
    """context.run: the run's id, job name and tags."""

    def __init__(self, run_id: str, job_name: str, tags: dict[str, str]) -> None:
        self.run_id = run_id
        self.job_name = job_name
        self.tags = tags


class OpExecutionContext:
    """What a step's function sees of its run."""

    def __init__(
        self,
        *,
        run_id: str = "",
        job_name: str = "",
        step_key: str = "",
        op_name: str = "",
        op_config: Any = None,
        resources: Any = None,
        partition_key: str | None = None,
        tags: dict[str, str] | None = None,
        log: RunLogger | None = None,
        assets_def: Any = None,
        selected_asset_keys: frozenset[AssetKey] | None = None,
        check_specs: tuple = (),
        retry_number: int = 0,
        partition_key_range: Any = None,
        partitions_def: Any = None,
        instance: Any = None,
    ) -> None:
        self.run_id = run_id
        self.job_name = job_name
        self.step_key = step_key
        self.op_name = op_name
        self.op_config = op_config
        self.resources = resources if resources is not None else SimpleNamespace()
        self._partition_key = partition_key
        self._partition_key_range = partition_key_range
        self.partitions_def = partitions_def
        self._instance = instance
        self.run = RunInfo(run_id, job_name, dict(tags or {}))
        self.log = log or RunLogger(lambda level, msg: None)
        self.assets_def = assets_def
        self._selected = selected_asset_keys
        self.check_specs = check_specs
        self.retry_number = retry_number
        self.added_metadata: dict[str | None, dict[str, Any]] = {}
        self._started = time.time()
        self._resource_manager: Any = None  # resources build_op_context set up, torn down on exit
        self.mapping_key: str | None = None  # the mapping key of a dynamic step
        self._logged_events: list[Any] = []
        self._event_sink: Callable[[Any], None] | None = None  # the engine's: reports a logged event at once
        self.op_def: Any = None  # the OpDefinition and JobDefinition, as the engine sets them
        self.job_def: Any = None

    @property
    def instance(self) -> Any:
        """The DagsterInstance of this run (in a test context built without one, a new ephemeral one)."""
        if self._instance is None:
            from sdk.instance import DagsterInstance

            self._instance = DagsterInstance.ephemeral()
        return self._instance

    @property
    def run_tags(self) -> dict[str, str]:
        return self.run.tags

    @property
    def has_partition_key(self) -> bool:
        return self._partition_key is not None

    @property
    def partition_key(self) -> str:
        key_range = self._partition_key_range
        if key_range is not None and key_range.start != key_range.end:
            raise DagsterInvariantViolationError(
                f"This run covers partitions {key_range.start}...{key_range.end}; read context.partition_key_range "
                "or context.partition_keys instead of context.partition_key."
            )
        if self._partition_key is None and key_range is None:
            raise DagsterInvariantViolationError(
                "This run has no partition key; launch it with partition_key=... to read context.partition_key."
            )
        key = self._partition_key or key_range.start
        to_multi = getattr(self.partitions_def, "get_partition_key_from_str", None)
        return to_multi(key) if to_multi is not None else key  # a MultiPartitionKey: key.keys_by_dimension

    @property
    def has_partition_key_range(self) -> bool:
        return self._partition_key_range is not None or self._partition_key is not None

    @property
    def partition_key_range(self) -> Any:
        """PartitionKeyRange(start, end): the partitions of this run (start == end for one partition)."""
        from sdk.partitions import PartitionKeyRange

        if self._partition_key_range is not None:
            return self._partition_key_range
        return PartitionKeyRange(self.partition_key, self.partition_key)

    @property
    def partition_keys(self) -> list[str]:
        key_range = self.partition_key_range
        if key_range.start == key_range.end:
            return [key_range.start]
        return self._require_partitions_def("partition_keys").get_partition_keys_in_range(key_range)

    @property
    def partition_time_window(self) -> Any:
        """TimeWindow(start, end) covered by this run's partition(s) of a time-window partitioned asset."""
        pdef = self._require_partitions_def("partition_time_window")
        if not hasattr(pdef, "time_window_for_partition_key"):
            raise DagsterInvariantViolationError(
                f"context.partition_time_window needs time-window partitions; this asset has {type(pdef).__name__}."
            )
        from sdk.partitions import TimeWindow

        key_range = self.partition_key_range
        first = pdef.time_window_for_partition_key(key_range.start)
        return TimeWindow(first.start, pdef.time_window_for_partition_key(key_range.end).end)

    def _require_partitions_def(self, what: str) -> Any:
        if self.partitions_def is None:
            raise DagsterInvariantViolationError(
                f"context.{what} needs a partitions_def on the asset or job; this step has none."
            )
        return self.partitions_def

    @property
    def asset_key(self) -> AssetKey:
        keys = sorted(self.selected_asset_keys)
        if len(keys) != 1:
            raise DagsterInvariantViolationError(
                f"context.asset_key needs a step that computes exactly one asset; this one computes {len(keys)}. "
                "Use context.selected_asset_keys."
            )
        return keys[0]

    @property
    def selected_asset_keys(self) -> frozenset[AssetKey]:
        if self._selected is not None:
            return self._selected
        return frozenset(self.assets_def.keys) if self.assets_def is not None else frozenset()

    @property
    def selected_output_names(self) -> set[str]:
        if self.assets_def is None:
            return set()
        return {self.assets_def.output_by_key[k] for k in self.selected_asset_keys}

    def asset_key_for_output(self, output_name: str = "result") -> AssetKey:
        return self.assets_def.specs_by_output[output_name].key

    def get_mapping_key(self) -> str | None:
        """The mapping key of this step when it runs once per value of a dynamic output, else None."""
        return self.mapping_key

    # partitions of one output or input (Dagster's names; a step's outputs share the run's partitions)
    def asset_partition_key_for_output(self, output_name: str = "result") -> str:
        return self.partition_key

    def asset_partition_keys_for_output(self, output_name: str = "result") -> list[str]:
        return self.partition_keys

    def asset_partition_key_range_for_output(self, output_name: str = "result") -> Any:
        return self.partition_key_range

    def asset_partitions_time_window_for_output(self, output_name: str = "result") -> Any:
        return self.partition_time_window

    def asset_partitions_def_for_output(self, output_name: str = "result") -> Any:
        return self._require_partitions_def("asset_partitions_def_for_output")

    def asset_partition_key_for_input(self, input_name: str) -> str:
        return self.partition_key

    def __enter__(self) -> OpExecutionContext:
        return self

    def __exit__(self, *exc: object) -> None:
        """`with build_op_context(resources=...) as context:` tears the resources down at the end."""
        manager = self._resource_manager
        if manager is not None:
            for key, error in manager.teardown():
                raise DagsterInvariantViolationError(f'Teardown of resource "{key}" failed: {error}') from error

    def add_output_metadata(self, metadata: dict[str, Any], output_name: str | None = None) -> None:
        self.added_metadata.setdefault(output_name, {}).update(metadata)

    def log_event(self, event: Any) -> None:
        """Report an AssetMaterialization, AssetObservation or ExpectationResult of this step now, while
        the function runs (a materialization reported so is indexed like a yielded one)."""
        from sdk.outputs import AssetMaterialization, AssetObservation, ExpectationResult

        if not isinstance(event, (AssetMaterialization, AssetObservation, ExpectationResult)):
            raise DagsterInvariantViolationError(
                "context.log_event takes an AssetMaterialization, AssetObservation or ExpectationResult, got "
                f"{type(event).__name__}; return or yield outputs and check results instead."
            )
        self._logged_events.append(event)
        if self._event_sink is not None:
            self._event_sink(event)

    def get_events(self) -> list[Any]:
        """The events this context's function reported with log_event, in order (for tests)."""
        return list(self._logged_events)

    def add_asset_metadata(self, metadata: dict[str, Any], asset_key: Any = None) -> None:
        from sdk.keys import to_asset_key

        name = self.assets_def.output_by_key[to_asset_key(asset_key)] if asset_key is not None else None
        self.add_output_metadata(metadata, name)

    @property
    def op_execution_context(self) -> OpExecutionContext:
        return self

    # -- more of Dagster's context API ----------------------------------------------------------
    @property
    def op(self) -> Any:
        return self.op_def

    def get_tag(self, key: str) -> str | None:
        """A tag of this run, or None."""
        return self.run.tags.get(key)

    def has_tag(self, key: str) -> bool:
        return key in self.run.tags

    @property
    def dagster_run(self) -> Any:
        """The run as its instance recorded it (in a test context, one made from this context's fields)."""
        from sdk.run_records import DagsterRun, DagsterRunStatus

        found = self._instance.get_run_by_id(self.run_id) if self._instance is not None and self.run_id else None
        return found or DagsterRun(self.job_name, self.run_id, DagsterRunStatus.STARTED, dict(self.run.tags))

    @property
    def run_config(self) -> dict[str, Any]:
        """The run's config, as its instance recorded it ({} when none is known)."""
        return dict(self.dagster_run.run_config or {})

    @property
    def has_assets_def(self) -> bool:
        return self.assets_def is not None

    @property
    def is_subset(self) -> bool:
        """Whether this step computes only some of its assets."""
        return self.assets_def is not None and self.selected_asset_keys != frozenset(self.assets_def.keys)

    @property
    def selected_asset_check_keys(self) -> frozenset[Any]:
        return frozenset(spec.key for spec in self.check_specs)

    @property
    def has_partitions(self) -> bool:
        return self.partitions_def is not None or self.has_partition_key_range

    @property
    def asset_partition_key_range(self) -> Any:
        return self.partition_key_range

    def asset_key_for_input(self, input_name: str) -> AssetKey:
        """The upstream asset an input of this asset reads."""
        keys = self.assets_def.keys_by_input_name if self.assets_def is not None else {}
        if input_name not in keys:
            raise DagsterInvariantViolationError(
                f'"{self.op_name}" has no asset input "{input_name}"; its asset inputs are {sorted(keys)}.'
            )
        return keys[input_name]

    def get_output_metadata(self, output_name: str = "result", mapping_key: str | None = None) -> dict[str, Any] | None:
        """The metadata added to an output with add_output_metadata so far."""
        return self.added_metadata.get(output_name) or self.added_metadata.get(None)

    def describe_op(self) -> str:
        return f'op "{self.op_name}"'


class AssetExecutionContext(OpExecutionContext):
    """The context of an asset's function."""


class AssetCheckExecutionContext(OpExecutionContext):
    """The context of an asset check's function."""


def build_op_context(
    resources: dict[str, Any] | None = None,
    op_config: Any = None,
    partition_key: str | None = None,
    run_tags: dict[str, str] | None = None,
    partition_key_range: Any = None,
    partitions_def: Any = None,
    instance: Any = None,
    *,
    config: Any = None,
    resources_config: dict[str, Any] | None = None,
    mapping_key: str | None = None,
) -> OpExecutionContext:
    """A context for calling an op's function directly in a unit test. `resources` may hold plain objects or
    resource definitions (a ConfigurableResource, a @resource, configured by `resources_config`), set up now;
    `with build_op_context(...) as context:` tears them down. `config` is Dagster's alias of op_config."""
    manager = None
    namespace = SimpleNamespace()
    if resources:
        from sdk.execution.resources import ResourceManager

        configs = {  # Dagster's form is {"key": {"config": ...}}; a bare config is taken too
            key: value["config"] if isinstance(value, dict) and set(value) == {"config"} else value
            for key, value in (resources_config or {}).items()
        }
        manager = ResourceManager(resources, configs, "")
        namespace = manager.namespace(set(resources))
    context = AssetExecutionContext(
        resources=namespace,
        op_config=config if op_config is None else op_config,
        partition_key=partition_key,
        tags=run_tags,
        partition_key_range=partition_key_range,
        partitions_def=partitions_def,
        instance=instance,
    )
    context._resource_manager = manager
    context.mapping_key = mapping_key
    return context


def build_asset_context(
    resources: dict[str, Any] | None = None,
    resources_config: dict[str, Any] | None = None,
    asset_config: Any = None,
    instance: Any = None,
    partition_key: str | None = None,
    partition_key_range: Any = None,
    run_tags: dict[str, str] | None = None,
    partitions_def: Any = None,
    *,
    op_config: Any = None,
    config: Any = None,
) -> OpExecutionContext:
    """build_op_context for an asset's function: `my_asset(build_asset_context(asset_config={...}))`."""
    return build_op_context(
        resources=resources,
        op_config=asset_config if asset_config is not None else op_config,
        config=config,
        partition_key=partition_key,
        run_tags=run_tags,
        partition_key_range=partition_key_range,
        partitions_def=partitions_def,
        instance=instance,
        resources_config=resources_config,
    )


def build_asset_check_context(
    resources: dict[str, Any] | None = None,
    resources_config: dict[str, Any] | None = None,
    asset_config: Any = None,
    instance: Any = None,
    *,
    config: Any = None,
) -> AssetCheckExecutionContext:
    """build_op_context for an asset check's function: `my_check(build_asset_check_context(resources={...}))`."""
    context = build_op_context(
        resources=resources,
        op_config=asset_config,
        config=config,
        instance=instance,
        resources_config=resources_config,
    )
    context.__class__ = AssetCheckExecutionContext  # same state; isinstance sees a check's context
    assert isinstance(context, AssetCheckExecutionContext)
    return context
